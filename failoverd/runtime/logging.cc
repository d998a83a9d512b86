#include "failoverd/runtime/logging.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cxxabi.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <thread>

#include <spdlog/async.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace failoverd {

namespace {

constexpr const char* kComponents[] = {"netlink", "udev", "probe", "engine", "firewall", "control", "daemon"};
constexpr const char* kHumanPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";
// %* is JournalPriorityFlag. No time: journald records when it received the line.
constexpr const char* kJournalPattern = "%*[%n] %v";

// Writes the "<N>" priority of the message's level.
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string_view prefix = JournalPrefix(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

constexpr size_t kLogQueueMessages = 8192;

// stderr when it is not a terminal (the journal, a file): the writer thread formats
// the messages it takes off the queue into one buffer and writes it out when the queue
// is empty (or the buffer is full), so a burst — a start's thousand lines — costs a few
// write(2)s instead of one fwrite and fflush per line. Nothing waits in the buffer
// longer than the queue holds messages; DrainLogs sees it empty exactly when written.
class BatchedStderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit BatchedStderrSink(std::function<bool()> more_coming) : more_coming_(std::move(more_coming)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    pending_.append(formatted.data(), formatted.size());
    if (pending_.size() >= kBatchBytes || !more_coming_()) flush_();
  }
  void flush_() override {
    size_t done = 0;
    while (done < pending_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // as fwrite to a broken stderr: the lines are lost, the daemon goes on
      done += static_cast<size_t>(n);
    }
    pending_.clear();
  }

 private:
  static constexpr size_t kBatchBytes = 64 * 1024;
  std::function<bool()> more_coming_;
  std::string pending_;
};

// The one stderr sink every logger shares, run by the writer thread alone; it tells
// whether a write is under way, so DrainLogs knows when the last one is done.
class WatchedSink final : public spdlog::sinks::sink {
 public:
  explicit WatchedSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    busy_ = true;
    inner_->log(msg);
    busy_ = false;
  }
  void flush() override {
    busy_ = true;
    inner_->flush();
    busy_ = false;
  }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }
  bool busy() const { return busy_; }

 private:
  spdlog::sink_ptr inner_;
  std::atomic<bool> busy_{false};
};

// Decided once: stderr does not move between the journal and a terminal while running.
LogStyle ProcessLogStyle();

struct LogPipeline {
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<WatchedSink> sink;
};

// Made on first use and never destroyed: a writer stuck on stderr must not hold up
// the end of the process (DrainLogs decides how long to wait for it).
LogPipeline& Pipeline() {
  static LogPipeline* const pipeline = [] {
    // The writer thread inherits this mask: signals belong to the event loop's signalfd.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    auto* made = new LogPipeline;
    made->pool = std::make_shared<spdlog::details::thread_pool>(kLogQueueMessages, 1);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    // Colors only on a terminal: the journal would store escape codes verbatim.
    spdlog::sink_ptr inner;
    if (isatty(STDERR_FILENO))
      inner = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    else
      inner = std::make_shared<BatchedStderrSink>([pool = made->pool.get()] { return pool->queue_size() > 0; });
    made->sink = std::make_shared<WatchedSink>(std::move(inner));
    made->sink->set_formatter(MakeLogFormatter(ProcessLogStyle()));
    return made;
  }();
  return *pipeline;
}

// Parses a whole decimal number from `text`; false on anything else.
bool ParseDecimal(std::string_view text, std::uint64_t& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end;
}

LogStyle ProcessLogStyle() {
  static const LogStyle style = DetectLogStyle();
  return style;
}

}  // namespace

bool IsJournalStream(const char* journal_stream, std::uint64_t dev, std::uint64_t ino) {
  if (journal_stream == nullptr) return false;
  const std::string_view value(journal_stream);
  const size_t colon = value.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t stream_dev = 0;
  std::uint64_t stream_ino = 0;
  return ParseDecimal(value.substr(0, colon), stream_dev) && ParseDecimal(value.substr(colon + 1), stream_ino) &&
         stream_dev == dev && stream_ino == ino;
}

LogStyle DetectLogStyle() {
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return LogStyle::kHuman;
  return IsJournalStream(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino) ? LogStyle::kJournal
                                                                              : LogStyle::kHuman;
}

std::string_view JournalPrefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return "<2>";
    case spdlog::level::err: return "<3>";
    case spdlog::level::warn: return "<4>";
    case spdlog::level::info: return "<6>";
    case spdlog::level::debug:
    case spdlog::level::trace: return "<7>";
    case spdlog::level::off:
    case spdlog::level::n_levels: break;
  }
  return "<6>";
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogStyle style) {
  if (style == LogStyle::kHuman) return std::make_unique<spdlog::pattern_formatter>(kHumanPattern);
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JournalPriorityFlag>('*').set_pattern(kJournalPattern);
  return formatter;
}

std::shared_ptr<spdlog::logger> GetLogger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  LogPipeline& pipeline = Pipeline();
  auto logger = std::make_shared<spdlog::async_logger>(name, pipeline.sink, pipeline.pool,
                                                       spdlog::async_overflow_policy::overrun_oldest);
  logger->set_level(spdlog::get_level());
  try {
    spdlog::register_logger(logger);
  } catch (const spdlog::spdlog_ex&) {
    // Made by another thread in the meantime: that one is the logger of the name.
    if (auto existing = spdlog::get(name)) return existing;
  }
  return logger;
}

std::uint64_t DroppedLogMessages() { return Pipeline().pool->overrun_counter(); }

bool DrainLogs(std::chrono::milliseconds limit) {
  LogPipeline& pipeline = Pipeline();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  // The writer takes a message off the queue before it writes it, so an empty queue
  // with an idle sink is asked for twice, a millisecond apart.
  for (int quiet = 0;;) {
    quiet = pipeline.pool->queue_size() > 0 || pipeline.sink->busy() ? 0 : quiet + 1;
    if (quiet == 2) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

bool InitLogging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  // An uncaught exception ends the process: what is queued is written first, then
  // the usual message ("terminate called after throwing ...") and the abort.
  std::set_terminate([] {
    (void)DrainLogs(std::chrono::milliseconds(1000));
    __gnu_cxx::__verbose_terminate_handler();
  });
  spdlog::set_level(parsed);
  for (const char* name : kComponents) GetLogger(name)->set_level(parsed);
  return true;
}

}  // namespace failoverd
