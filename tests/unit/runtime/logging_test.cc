// The two line formats of the component loggers, and when each one is chosen.
#include "failoverd/runtime/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

namespace failoverd {
namespace {

// A logger named `name` that formats like a component logger in `style` into out().
class FormattedLog {
 public:
  FormattedLog(const std::string& name, LogStyle style)
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_st>(out_)), logger_(name, sink_) {
    sink_->set_formatter(MakeLogFormatter(style));
    logger_.set_level(spdlog::level::trace);
  }
  spdlog::logger& logger() { return logger_; }
  std::string out() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
  spdlog::logger logger_;
};

TEST(LoggingTest, JournalLineIsPriorityComponentMessage) {
  FormattedLog log("engine", LogStyle::kJournal);
  log.logger().warn("hello");
  EXPECT_EQ(log.out(), "<4>[engine] hello\n");
}

TEST(LoggingTest, JournalPriorityFollowsLevel) {
  FormattedLog log("netlink", LogStyle::kJournal);
  log.logger().trace("t");
  log.logger().debug("d");
  log.logger().info("i");
  log.logger().warn("w");
  log.logger().error("e");
  log.logger().critical("c");
  EXPECT_EQ(log.out(),
            "<7>[netlink] t\n<7>[netlink] d\n<6>[netlink] i\n<4>[netlink] w\n<3>[netlink] e\n<2>[netlink] c\n");
}

TEST(LoggingTest, JournalPrefixPerLevel) {
  EXPECT_EQ(JournalPrefix(spdlog::level::trace), "<7>");
  EXPECT_EQ(JournalPrefix(spdlog::level::debug), "<7>");
  EXPECT_EQ(JournalPrefix(spdlog::level::info), "<6>");
  EXPECT_EQ(JournalPrefix(spdlog::level::warn), "<4>");
  EXPECT_EQ(JournalPrefix(spdlog::level::err), "<3>");
  EXPECT_EQ(JournalPrefix(spdlog::level::critical), "<2>");
}

TEST(LoggingTest, HumanLineHasTimeLevelComponentMessage) {
  FormattedLog log("engine", LogStyle::kHuman);
  log.logger().warn("hello");
  // No escape codes: colors come from the tty sink, never from the format.
  static const std::regex kLine(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} warning \[engine\] hello\n)");
  EXPECT_TRUE(std::regex_match(log.out(), kLine)) << log.out();
}

TEST(LoggingTest, JournalStreamMatchesOnlyTheSameDeviceAndInode) {
  EXPECT_TRUE(IsJournalStream("8:1234", 8, 1234));
  EXPECT_TRUE(IsJournalStream("18446744073709551615:1", UINT64_MAX, 1));
  EXPECT_FALSE(IsJournalStream("8:1234", 8, 1235));
  EXPECT_FALSE(IsJournalStream("8:1234", 9, 1234));
  EXPECT_FALSE(IsJournalStream(nullptr, 8, 1234));
}

TEST(LoggingTest, JournalStreamRejectsMalformedValues) {
  for (const char* value : {"", ":", "8", "8:", ":1234", "8:1234x", "x8:1234", "8:12:34", "-8:1234", " 8:1234",
                            "8:18446744073709551616"}) {
    EXPECT_FALSE(IsJournalStream(value, 8, 1234)) << '"' << value << '"';
  }
}

// Sets $JOURNAL_STREAM for one test and puts the old value back.
class JournalStreamEnv {
 public:
  explicit JournalStreamEnv(const char* value) {
    if (const char* old = std::getenv("JOURNAL_STREAM")) old_ = old;
    if (value) setenv("JOURNAL_STREAM", value, 1);
    else unsetenv("JOURNAL_STREAM");
  }
  ~JournalStreamEnv() {
    if (old_) setenv("JOURNAL_STREAM", old_->c_str(), 1);
    else unsetenv("JOURNAL_STREAM");
  }

 private:
  std::optional<std::string> old_;
};

TEST(LoggingTest, DetectsJournalFromStderrItself) {
  struct stat st {};
  ASSERT_EQ(fstat(STDERR_FILENO, &st), 0);
  const std::string stderr_stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  {
    JournalStreamEnv env(stderr_stream.c_str());
    EXPECT_EQ(DetectLogStyle(), LogStyle::kJournal);
  }
  {
    // Inherited from a parent whose stderr was the journal, but ours is not.
    const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
    JournalStreamEnv env(other.c_str());
    EXPECT_EQ(DetectLogStyle(), LogStyle::kHuman);
  }
  {
    JournalStreamEnv env(nullptr);
    EXPECT_EQ(DetectLogStyle(), LogStyle::kHuman);
  }
}

}  // namespace
}  // namespace failoverd
