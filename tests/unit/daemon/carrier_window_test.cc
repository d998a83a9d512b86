// CarrierWindow on a fake clock: a notification opens the window for exactly
// core::kCarrierWindowMs and a later one moves its end; polls run in it — one at a
// time, further apart the more active ports there are — and stop when it closes; a
// poll that found a loss keeps it open; a plan is let through once a millisecond.
#include "failoverd/daemon/carrier_window.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "failoverd/core/fast_failover.h"
#include "fakes/fake_clock.h"

namespace failoverd {
namespace {

constexpr int kWindowMs = core::kCarrierWindowMs;

class CarrierWindowTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(loop_.Init()); }
  // Lets fake time pass in 1 ms steps, running the timers that fall due.
  void Pass(int ms) {
    for (int i = 0; i < ms; ++i) {
      clock_.Advance(Millis(1));
      loop_.RunDueTimers();
    }
  }

  testing::FakeClock clock_;
  EventLoop loop_{clock_};
  int ports_ = 1;
  int polls_ = 0;
  std::vector<MonoTime> poll_times_;
  // When a poll finds a loss (its answer), by poll number from 1.
  int loss_at_poll_ = 0;
  CarrierWindow window_{loop_, clock_, [this] { return ports_; }, [this] {
                          ++polls_;
                          poll_times_.push_back(clock_.Now());
                          return polls_ == loss_at_poll_;
                        }};
};

TEST_F(CarrierWindowTest, ANotificationOpensTheWindowForExactlyItsLength) {
  const MonoTime start = clock_.Now();
  EXPECT_FALSE(window_.IsOpen(start)) << "closed until a notification";
  window_.Notified();
  EXPECT_TRUE(window_.IsOpen(start));
  EXPECT_TRUE(window_.IsOpen(start + Millis(kWindowMs) - std::chrono::microseconds(1)));
  EXPECT_FALSE(window_.IsOpen(start + Millis(kWindowMs)));
}

TEST_F(CarrierWindowTest, TheNextNotificationMovesTheEnd) {
  const MonoTime start = clock_.Now();
  window_.Notified();
  Pass(400);
  window_.Notified();
  EXPECT_TRUE(window_.IsOpen(start + Millis(kWindowMs)));
  EXPECT_TRUE(window_.IsOpen(start + Millis(400 + kWindowMs - 1)));
  EXPECT_FALSE(window_.IsOpen(start + Millis(400 + kWindowMs)));
}

TEST_F(CarrierWindowTest, PollsRunEveryMillisecondWhileOpenThenStop) {
  window_.Notified();
  Pass(kWindowMs + 200);
  // One poll per millisecond: the first 1 ms after the notification, the last at the window's end.
  EXPECT_EQ(polls_, kWindowMs);
  Pass(5000);
  EXPECT_EQ(polls_, kWindowMs) << "a closed window polls no more";
  window_.Notified();
  Pass(1);
  EXPECT_EQ(polls_, kWindowMs + 1) << "the next notification starts again";
}

TEST_F(CarrierWindowTest, NotificationsWhileAPollIsPendingAddNoOther) {
  window_.Notified();
  window_.Notified();
  window_.Notified();
  Pass(10);
  EXPECT_EQ(polls_, 10);
}

TEST_F(CarrierWindowTest, APollThatFoundALossKeepsTheWindowOpen) {
  loss_at_poll_ = 500;  // 500 ms in
  window_.Notified();
  Pass(500 + kWindowMs + 200);
  EXPECT_EQ(polls_, 500 + kWindowMs);
}

TEST_F(CarrierWindowTest, ThePollIntervalGrowsWithThePortCount) {
  // active ports -> milliseconds between polls
  const std::vector<std::pair<int, int>> cases = {
      {0, 1}, {1, 1}, {CarrierWindow::kPortsPerPoll, 1}, {CarrierWindow::kPortsPerPoll + 1, 2},
      {2 * CarrierWindow::kPortsPerPoll, 2}, {2 * CarrierWindow::kPortsPerPoll + 1, 3}, {100, 13}};
  for (const auto& [ports, interval_ms] : cases) {
    SCOPED_TRACE(std::to_string(ports) + " active ports");
    Pass(2 * kWindowMs);  // the last window closed
    ports_ = ports;
    polls_ = 0;
    window_.Notified();
    Pass(interval_ms - 1);
    EXPECT_EQ(polls_, 0) << "not before the interval";
    Pass(1);
    EXPECT_EQ(polls_, 1);
    Pass(interval_ms);
    EXPECT_EQ(polls_, 2);
  }
}

TEST_F(CarrierWindowTest, EachPollCountsThePortsAgain) {
  window_.Notified();
  Pass(1);
  ASSERT_EQ(polls_, 1);
  ports_ = 3 * CarrierWindow::kPortsPerPoll;  // bridges were added
  Pass(3);
  ASSERT_EQ(polls_, 2);
  EXPECT_EQ(poll_times_[1] - poll_times_[0], Millis(1)) << "the poll was due before the count changed";
  Pass(3);
  ASSERT_EQ(polls_, 3);
  EXPECT_EQ(poll_times_[2] - poll_times_[1], Millis(3));
}

TEST_F(CarrierWindowTest, APlanIsLetThroughOnceAMillisecond) {
  const MonoTime start = clock_.Now();
  EXPECT_TRUE(window_.TakePlanCheck(start));
  EXPECT_FALSE(window_.TakePlanCheck(start));
  EXPECT_FALSE(window_.TakePlanCheck(start + Millis(CarrierWindow::kPlanCheckMs) - std::chrono::microseconds(1)));
  EXPECT_TRUE(window_.TakePlanCheck(start + Millis(CarrierWindow::kPlanCheckMs)));
  // Asked every 100 us for 10 ms: one check per millisecond gets through.
  int through = 0;
  for (int us = 0; us < 10000; us += 100)
    through += window_.TakePlanCheck(start + Millis(2) + std::chrono::microseconds(us)) ? 1 : 0;
  EXPECT_EQ(through, 10);
  EXPECT_FALSE(window_.IsOpen(start)) << "the pace opens no window";
}

}  // namespace
}  // namespace failoverd
