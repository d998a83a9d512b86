#include "failoverd/runtime/retry_timer.h"

#include <algorithm>

namespace failoverd {

int RetryTimer::Backoff(std::function<void()> again) {
  if (due()) return delay_ms_;
  delay_ms_ = delay_ms_ ? std::min(delay_ms_ * 2, max_ms_) : first_ms_;
  Schedule(delay_ms_, std::move(again));
  return delay_ms_;
}

void RetryTimer::After(int delay_ms, std::function<void()> again) {
  if (!due()) Schedule(delay_ms, std::move(again));
}

void RetryTimer::Cancel() {
  if (timer_) loop_.CancelTimer(*timer_);
  timer_.reset();
}

void RetryTimer::Schedule(int delay_ms, std::function<void()> again) {
  timer_ = loop_.AddTimer(clock_.Now() + Millis(delay_ms), [this, again = std::move(again)] {
    timer_.reset();
    again();
  });
}

}  // namespace failoverd
