#include "failoverd/daemon/carrier_window.h"

#include <algorithm>

#include "failoverd/core/fast_failover.h"

namespace failoverd {

CarrierWindow::CarrierWindow(EventLoop& loop, const Clock& clock, std::function<int()> active_ports,
                             std::function<bool()> poll)
    : loop_(loop), clock_(clock), active_ports_(std::move(active_ports)), poll_(std::move(poll)) {}

CarrierWindow::~CarrierWindow() {
  if (timer_) loop_.CancelTimer(*timer_);
}

void CarrierWindow::Notified() {
  Extend();
  PollWhileOpen();
}

bool CarrierWindow::TakePlanCheck(MonoTime now) {
  if (now < next_plan_check_) return false;
  next_plan_check_ = now + Millis(kPlanCheckMs);
  return true;
}

void CarrierWindow::Extend() { until_ = clock_.Now() + Millis(core::kCarrierWindowMs); }

void CarrierWindow::PollWhileOpen() {
  // One poll pending at a time: notifications while one is pending — also those a
  // reconcile started by a poll reads between its steps — move only the window's end.
  if (timer_ || !IsOpen(clock_.Now())) return;
  const int ports = active_ports_();
  const int interval_ms = std::max(1, (ports + kPortsPerPoll - 1) / kPortsPerPoll);
  timer_ = loop_.AddTimer(clock_.Now() + Millis(interval_ms), [this] { OnPollTimer(); });
}

void CarrierWindow::OnPollTimer() {
  timer_.reset();
  // The loss it found is a carrier change the kernel reports in its own time, holding
  // back the next report after it: the window starts again, as after a notification.
  if (poll_()) Extend();
  PollWhileOpen();
}

}  // namespace failoverd
