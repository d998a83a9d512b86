// The component loggers never wait for stderr: with stderr a pipe nobody reads, a
// burst of log calls returns, the oldest messages are dropped and counted, and once
// the pipe is read everything still queued is written. The writer thread has the
// daemon's signals blocked (they belong to the event loop's signalfd). A terminate
// writes the queue before the process ends.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "failoverd/runtime/logging.h"

namespace failoverd {
namespace {

using std::chrono::milliseconds;

// Every thread of this process but the calling one has SIGTERM, SIGHUP and SIGINT blocked.
bool OtherThreadsBlockSignals() {
  int others = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    if (task.path().filename() == std::to_string(gettid())) continue;
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("SigBlk:", 0) != 0) continue;
      const unsigned long long blocked = std::stoull(line.substr(7), nullptr, 16);
      for (int signal : {SIGTERM, SIGHUP, SIGINT})
        if (!(blocked & (1ULL << (signal - 1)))) return false;
      ++others;
    }
  }
  return others > 0;
}

TEST(AsyncLoggingTest, AStuckStderrNeitherBlocksALogCallNorLosesWhatTheQueueHolds) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  ASSERT_GT(fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
  const int saved = dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);

  auto log = GetLogger("engine");  // the first logger of this process: the writer starts here
  log->set_level(spdlog::level::info);
  EXPECT_TRUE(OtherThreadsBlockSignals());
  const auto started = std::chrono::steady_clock::now();
  // Far more than a 4 KiB pipe and the queue hold: a logger that waited would never return.
  constexpr int kMessages = 50000;
  for (int i = 0; i < kMessages; ++i) log->info("message {} to a stderr nobody reads", i);
  const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  std::printf("%d log calls with stderr stuck: %lld ms\n", kMessages, static_cast<long long>(took.count()));
  EXPECT_GT(DroppedLogMessages(), 0u) << "the oldest messages are dropped when the queue is full";
  EXPECT_FALSE(DrainLogs(milliseconds(20))) << "stderr is still not read";

  // Someone reads again: what is queued is written.
  std::string text;
  std::thread reader([&] {
    char buffer[65536];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) text.append(buffer, static_cast<size_t>(n));
  });
  log->info("the last message");
  EXPECT_TRUE(DrainLogs(milliseconds(10000)));
  ASSERT_EQ(dup2(saved, STDERR_FILENO), STDERR_FILENO);
  close(saved);
  close(fds[1]);
  reader.join();
  close(fds[0]);
  EXPECT_NE(text.find("the last message"), std::string::npos);
  EXPECT_NE(text.find("to a stderr nobody reads"), std::string::npos);
}

// stderr not a terminal: the writer batches, and once the queue is empty every line is
// out, whole and in order (nothing waits in the batch for a next message).
TEST(AsyncLoggingTest, ABurstIsWrittenWholeAndInOrderOnceTheQueueIsEmpty) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const int saved = dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
  std::string text;
  std::thread reader([&] {
    char buffer[65536];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) text.append(buffer, static_cast<size_t>(n));
  });
  auto log = GetLogger("netlink");
  log->set_level(spdlog::level::info);
  constexpr int kMessages = 3000;  // below the queue's 8192: none dropped
  const uint64_t dropped = DroppedLogMessages();
  for (int i = 0; i < kMessages; ++i) log->info("burst line {}", i);
  EXPECT_TRUE(DrainLogs(milliseconds(10000)));
  EXPECT_EQ(DroppedLogMessages(), dropped);
  ASSERT_EQ(dup2(saved, STDERR_FILENO), STDERR_FILENO);
  close(saved);
  close(fds[1]);
  reader.join();
  close(fds[0]);
  size_t at = 0;
  int seen = 0;
  for (std::string line; at < text.size(); ++seen) {
    const size_t end = text.find('\n', at);
    ASSERT_NE(end, std::string::npos) << "a line cut short: " << text.substr(at);
    line = text.substr(at, end - at);
    ASSERT_NE(line.find("burst line " + std::to_string(seen)), std::string::npos) << line;
    at = end + 1;
  }
  EXPECT_EQ(seen, kMessages);
}

// An uncaught exception (std::terminate) writes what is queued before the abort.
TEST(AsyncLoggingDeathTest, ATerminateWritesTheQueuedLinesFirst) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ASSERT_TRUE(InitLogging("info"));
        GetLogger("engine")->error("the last words before the end");
        std::terminate();
      },
      "the last words before the end");
}

}  // namespace
}  // namespace failoverd
