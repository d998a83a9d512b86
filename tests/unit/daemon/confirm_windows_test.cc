// ConfirmWindows under a fake clock: a window ends at its deadline (closed first,
// then its expiry runs), closing one cancels its expiry, a reopened window replaces
// the old one, and a window reopened at a start after its deadline ends at once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "failoverd/daemon/confirm_windows.h"
#include "failoverd/runtime/event_loop.h"
#include "fakes/fake_clock.h"

namespace failoverd {
namespace {

using testing::FakeClock;

class ConfirmWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(loop_.Init()); }
  void Pass(int ms) {
    clock_.Advance(Millis(ms));
    loop_.RunDueTimers();
  }

  FakeClock clock_;
  EventLoop loop_{clock_};
  ConfirmWindows windows_{loop_, clock_};
  std::vector<std::string> expired_;
};

TEST_F(ConfirmWindowsTest, AWindowEndsAtItsDeadlineClosedBeforeItsExpiryRuns) {
  bool open_when_expired = true;
  windows_.Open("apply", 30, [&] {
    open_when_expired = windows_.IsOpen("apply");
    expired_.push_back("apply");
  });
  ASSERT_NE(windows_.Find("apply"), nullptr);
  EXPECT_EQ(windows_.Find("apply")->seconds, 30);
  EXPECT_EQ(windows_.Find("apply")->deadline, clock_.WallNow() + std::chrono::seconds(30));
  Pass(29999);
  EXPECT_TRUE(expired_.empty());
  Pass(1);
  EXPECT_EQ(expired_, std::vector<std::string>{"apply"});
  EXPECT_FALSE(open_when_expired);
  EXPECT_TRUE(windows_.empty());
}

TEST_F(ConfirmWindowsTest, ClosingAWindowCancelsItsExpiry) {
  windows_.Open("isolate:eth1", 10, [&] { expired_.push_back("isolate:eth1"); });
  EXPECT_TRUE(windows_.Close("isolate:eth1"));
  EXPECT_FALSE(windows_.Close("isolate:eth1"));
  Pass(20000);
  EXPECT_TRUE(expired_.empty());
}

TEST_F(ConfirmWindowsTest, ReopeningReplacesTheWindowAndItsExpiry) {
  windows_.Open("apply", 10, [&] { expired_.push_back("first"); });
  Pass(5000);
  windows_.Open("apply", 10, [&] { expired_.push_back("second"); });
  Pass(5000);
  EXPECT_TRUE(expired_.empty());
  Pass(5000);
  EXPECT_EQ(expired_, std::vector<std::string>{"second"});
}

TEST_F(ConfirmWindowsTest, WithListsTheWindowsOfOnePrefixOnly) {
  windows_.Open("isolate:eth1", 10, [] {});
  windows_.Open("isolate:eth2", 20, [] {});
  windows_.Open("apply", 30, [] {});
  const auto isolates = windows_.With("isolate:");
  ASSERT_EQ(isolates.size(), 2u);
  EXPECT_EQ(isolates[0].first, "isolate:eth1");
  EXPECT_EQ(isolates[1].first, "isolate:eth2");
  EXPECT_EQ(isolates[1].second.seconds, 20);
}

TEST_F(ConfirmWindowsTest, AWindowReopenedAfterItsDeadlineEndsAtOnce) {
  windows_.OpenUntil("start", clock_.WallNow() - std::chrono::seconds(5), [&] { expired_.push_back("start"); });
  EXPECT_TRUE(windows_.IsOpen("start"));
  Pass(0);
  EXPECT_EQ(expired_, std::vector<std::string>{"start"});
}

TEST_F(ConfirmWindowsTest, AWindowReopenedBeforeItsDeadlineKeepsIt) {
  const auto deadline = clock_.WallNow() + std::chrono::seconds(40);
  windows_.OpenUntil("start", deadline, [&] { expired_.push_back("start"); });
  EXPECT_EQ(windows_.Find("start")->deadline, deadline);
  EXPECT_EQ(windows_.Find("start")->seconds, 0);  // not known at a start
  Pass(39999);
  EXPECT_TRUE(expired_.empty());
  Pass(1);
  EXPECT_EQ(expired_, std::vector<std::string>{"start"});
}

TEST_F(ConfirmWindowsTest, StatusSaysTheTimeLeftAndTheLengthWhenKnown) {
  windows_.Open("apply", 60, [] {});
  Pass(15500);
  const nlohmann::json json = windows_.Json(*windows_.Find("apply"));
  EXPECT_EQ(json["seconds_left"], 44);
  EXPECT_EQ(json["confirm_seconds"], 60);
  EXPECT_TRUE(json["deadline"].is_string());
  EXPECT_NE(windows_.Until(*windows_.Find("apply")).find("within 60 s"), std::string::npos);
  windows_.OpenUntil("start", clock_.WallNow() + std::chrono::seconds(5), [] {});
  EXPECT_FALSE(windows_.Json(*windows_.Find("start")).contains("confirm_seconds"));
}

TEST_F(ConfirmWindowsTest, DestroyingTheWindowsCancelsTheirTimers) {
  {
    ConfirmWindows scoped(loop_, clock_);
    scoped.Open("apply", 1, [&] { expired_.push_back("apply"); });
  }
  Pass(5000);  // a timer left behind would call into the destroyed windows
  EXPECT_TRUE(expired_.empty());
}

}  // namespace
}  // namespace failoverd
