// SweepGuard: table inet failoverd_sweep (firewall/firewall.h: SweepGuardScript) for
// kSweepGuardMinutes after a sweep deleted connections opened while the table was
// missing. Until then a deleted connection cannot come back from the host's side (a
// server pushing data, a retransmission); its client's side is judged by the zone.
// The guard outlives TCP's own retransmissions (tcp_retries2: about 15 minutes), so a
// swept connection whose server keeps trying is dead by the time the guard goes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/runtime/event_loop.h"
#include "firewall/firewall.h"

namespace failoverd {

inline constexpr int kSweepGuardMinutes = 20;

class SweepGuard {
 public:
  SweepGuard(EventLoop& loop, const Clock& clock, firewall::Firewall& firewall, std::shared_ptr<spdlog::logger> log)
      : loop_(loop), clock_(clock), firewall_(firewall), log_(std::move(log)) {}
  ~SweepGuard();
  SweepGuard(const SweepGuard&) = delete;
  SweepGuard& operator=(const SweepGuard&) = delete;

  // (Re)installs the guard for the `governed` interfaces, for kSweepGuardMinutes from now.
  void Raise(const std::vector<std::string>& governed);
  // Whether the guard is up (its time has not run out).
  bool raised() const { return timer_.has_value(); }

 private:
  void Lower();

  EventLoop& loop_;
  const Clock& clock_;
  firewall::Firewall& firewall_;
  std::shared_ptr<spdlog::logger> log_;
  std::optional<EventLoop::TimerId> timer_;
};

}  // namespace failoverd
