#include "failoverd/daemon/sweep_guard.h"

namespace failoverd {

SweepGuard::~SweepGuard() {
  if (timer_) loop_.CancelTimer(*timer_);
}

void SweepGuard::Raise(const std::vector<std::string>& governed) {
  if (Status applied = firewall_.Apply(firewall::SweepGuardScript(governed)); !applied) {
    log_->error("table inet {} not installed: {}; a swept connection whose host side sends next is taken up again",
                firewall::kSweepGuardTable, applied.message());
    return;
  }
  if (timer_) loop_.CancelTimer(*timer_);
  timer_ = loop_.AddTimer(clock_.Now() + std::chrono::minutes(kSweepGuardMinutes), [this] {
    timer_.reset();
    Lower();
  });
  log_->info("table inet {}: for {} minutes the host's side cannot take up a connection again mid-stream",
             firewall::kSweepGuardTable, kSweepGuardMinutes);
}

void SweepGuard::Lower() {
  if (Status removed = firewall_.Apply(firewall::SweepGuardScript({})); !removed)
    log_->warn("table inet {} not removed: {}", firewall::kSweepGuardTable, removed.message());
  else
    log_->info("table inet {} removed: its {} minutes are over", firewall::kSweepGuardTable, kSweepGuardMinutes);
}

}  // namespace failoverd
