// CarrierWindow: when the daemon's fast path asks the kernel for the active ports'
// carrier itself (fast_failover.cc). The kernel reports a carrier loss up to a second
// late after any link notification (linkwatch batching), so each batch opens a window
// of core::kCarrierWindowMs in which a poll timer runs — every millisecond, every few
// when there are many active ports — and stops when the window closes. It also paces
// the checks a running plan makes between its actions. It holds only times and the
// timer: what a poll does, and how many ports there are, the daemon says through the
// callbacks it gives. Owned by the daemon.
#pragma once

#include <functional>
#include <optional>

#include "failoverd/common/clock.h"
#include "failoverd/runtime/event_loop.h"

namespace failoverd {

class CarrierWindow {
 public:
  static constexpr int kPortsPerPoll = 8;  // ports asked per millisecond of poll interval
  static constexpr int kPlanCheckMs = 1;   // a plan is interrupted for a check at most this often

  // `active_ports`: how many ports a poll asks about, for its interval. `poll`: asks
  // them; true when it found a loss (and acted on it), which keeps the window open.
  CarrierWindow(EventLoop& loop, const Clock& clock, std::function<int()> active_ports, std::function<bool()> poll);
  // Cancels the poll timer on the loop (which outlives it).
  ~CarrierWindow();
  CarrierWindow(const CarrierWindow&) = delete;
  CarrierWindow& operator=(const CarrierWindow&) = delete;

  // A batch of link notifications arrived now: the window is open until now +
  // core::kCarrierWindowMs (a later batch moves the end), and polls run in it.
  void Notified();
  bool IsOpen(MonoTime now) const { return now < until_; }
  // InterruptPlan's pace: true at most once per kPlanCheckMs; a true answer starts the next period.
  bool TakePlanCheck(MonoTime now);

 private:
  void Extend();
  // Schedules the next poll, unless one is pending or the window has closed.
  void PollWhileOpen();
  void OnPollTimer();

  EventLoop& loop_;
  const Clock& clock_;
  std::function<int()> active_ports_;
  std::function<bool()> poll_;
  MonoTime until_{};
  std::optional<EventLoop::TimerId> timer_;
  MonoTime next_plan_check_{};
};

}  // namespace failoverd
