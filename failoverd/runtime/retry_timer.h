// RetryTimer: one timer on the event loop for something that is tried again until it
// works — a plan whose steps failed, a state.json that cannot be written. Each
// Backoff waits longer (the first delay, then doubled up to the largest); Reset
// starts over once it worked. At most one run is due at a time.
#pragma once

#include <functional>
#include <optional>

#include "failoverd/common/clock.h"
#include "failoverd/runtime/event_loop.h"

namespace failoverd {

class RetryTimer {
 public:
  RetryTimer(EventLoop& loop, const Clock& clock, int first_ms, int max_ms)
      : loop_(loop), clock_(clock), first_ms_(first_ms), max_ms_(max_ms) {}
  ~RetryTimer() { Cancel(); }
  RetryTimer(const RetryTimer&) = delete;
  RetryTimer& operator=(const RetryTimer&) = delete;

  // Runs `again` after the next delay, unless a run is due already (then nothing
  // changes); returns the delay of the run that is due.
  int Backoff(std::function<void()> again);
  // Runs `again` after `delay_ms`, unless a run is due already; the backoff keeps its place.
  void After(int delay_ms, std::function<void()> again);
  // Nothing is due any more; the backoff keeps its place.
  void Cancel();
  // Nothing is due, and the next Backoff waits the first delay again.
  void Reset() {
    Cancel();
    delay_ms_ = 0;
  }
  bool due() const { return timer_.has_value(); }

 private:
  void Schedule(int delay_ms, std::function<void()> again);

  EventLoop& loop_;
  const Clock& clock_;
  const int first_ms_;
  const int max_ms_;
  int delay_ms_ = 0;  // of the last Backoff; 0 after Reset
  std::optional<EventLoop::TimerId> timer_;
};

}  // namespace failoverd
