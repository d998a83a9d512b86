#include "failoverd/runtime/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

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

// Parses a whole decimal number from `text`; false on anything else.
bool ParseDecimal(std::string_view text, std::uint64_t& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// Decided once: stderr does not move between the journal and a terminal while running.
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
  const LogStyle style = ProcessLogStyle();
  // The color sink itself leaves colors out when stderr is not a tty; the journal
  // would store escape codes verbatim, so it gets the plain sink.
  auto logger = style == LogStyle::kJournal ? spdlog::stderr_logger_mt(name) : spdlog::stderr_color_mt(name);
  logger->set_formatter(MakeLogFormatter(style));
  return logger;
}

bool InitLogging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  for (const char* name : kComponents) GetLogger(name)->set_level(parsed);
  return true;
}

}  // namespace failoverd
