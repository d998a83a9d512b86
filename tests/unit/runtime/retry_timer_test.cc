// RetryTimer on a fake clock: the delays double up to the largest, a run already due
// is not moved or doubled, Reset starts over, Cancel keeps the place, and the timer
// is gone with the object.
#include "failoverd/runtime/retry_timer.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace failoverd {
namespace {

class RetryTimerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(loop_.Init()); }
  // Moves the fake clock on by `ms` and runs what fell due.
  void Pass(int ms) {
    clock_.Advance(Millis(ms));
    loop_.RunDueTimers();
  }

  testing::FakeClock clock_;
  EventLoop loop_{clock_};
  int runs_ = 0;
};

TEST_F(RetryTimerTest, DelaysDoubleUpToTheLargest) {
  RetryTimer retry(loop_, clock_, 100, 350);
  std::vector<int> delays;
  for (int i = 0; i < 4; ++i) {
    delays.push_back(retry.Backoff([this] { ++runs_; }));
    Pass(delays.back() - 1);
    EXPECT_EQ(runs_, i) << "not before its delay";
    Pass(1);
    EXPECT_EQ(runs_, i + 1);
    EXPECT_FALSE(retry.due());
  }
  EXPECT_EQ(delays, (std::vector<int>{100, 200, 350, 350}));
}

TEST_F(RetryTimerTest, ARunAlreadyDueIsNeitherMovedNorDoubled) {
  RetryTimer retry(loop_, clock_, 100, 1000);
  EXPECT_EQ(retry.Backoff([this] { ++runs_; }), 100);
  Pass(50);
  EXPECT_EQ(retry.Backoff([this] { runs_ += 10; }), 100);
  retry.After(0, [this] { runs_ += 100; });
  Pass(50);
  EXPECT_EQ(runs_, 1) << "the first run, once, at its time";
}

TEST_F(RetryTimerTest, ResetStartsOverAndCancelKeepsThePlace) {
  RetryTimer retry(loop_, clock_, 100, 1000);
  retry.Backoff([] {});
  Pass(100);
  EXPECT_EQ(retry.Backoff([this] { ++runs_; }), 200);
  retry.Cancel();
  Pass(500);
  EXPECT_EQ(runs_, 0) << "cancelled";
  EXPECT_EQ(retry.Backoff([] {}), 400) << "Cancel keeps the backoff's place";
  retry.Reset();
  EXPECT_FALSE(retry.due());
  EXPECT_EQ(retry.Backoff([] {}), 100) << "Reset starts over";
}

TEST_F(RetryTimerTest, AfterRunsOnceAtItsDelayAndTheTimerGoesWithTheObject) {
  {
    RetryTimer retry(loop_, clock_, 100, 1000);
    retry.After(0, [this] { ++runs_; });
    Pass(0);
    EXPECT_EQ(runs_, 1);
    retry.After(30, [this] { ++runs_; });
  }
  Pass(100);
  EXPECT_EQ(runs_, 1) << "destroyed before it was due: never runs";
}

}  // namespace
}  // namespace failoverd
