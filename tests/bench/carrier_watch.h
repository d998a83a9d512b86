// CarrierWatch: when the benchmarked NIC's carrier changes, as the daemon
// learns it — from the daemon's own LinkMonitor (rtnetlink link notifications)
// in the server's namespace. The moment a carrier-up notification wakes it is
// time zero of an identification round: the earliest the daemon could start
// probing.
#pragma once

#include <chrono>

#include "bench_stats.h"
#include "failoverd/common/status.h"
#include "failoverd/kernel/link_monitor.h"

namespace failoverd::bench {

class CarrierWatch {
 public:
  Status Open() { return monitor_.Open(); }

  // Waits until a notification says `ifindex` has (or has lost) carrier and
  // returns when poll() woke for it; fails after `timeout`.
  Result<BenchClock::time_point> WaitFor(int ifindex, bool carrier, std::chrono::milliseconds timeout);

 private:
  kernel::LinkMonitor monitor_;
};

}  // namespace failoverd::bench
