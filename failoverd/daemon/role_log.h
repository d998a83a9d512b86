// RoleLog: the role each managed NIC had in the last decision the daemon carried
// out, and since when. After each plan it compares the new decision with what it
// remembers and tells every change once — `hweth1: standby -> active of eth0 (...)`
// in the log and in `failoverctl events` — counting failovers, moves and quarantines
// in the metrics; status reads from it since when a port has its role. Owned by the
// daemon.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/core/decision.h"
#include "failoverd/daemon/event_log.h"
#include "failoverd/daemon/metrics.h"

namespace failoverd {

class RoleLog {
 public:
  RoleLog(const Clock& clock, EventLog& events, Metrics& metrics, std::shared_ptr<spdlog::logger> log);

  // Logs every role change in `decision` with its reason and remembers the new roles;
  // a NIC whose role and bridge are unchanged keeps its `since`. `started`: when the
  // reconcile that carried `decision` out began, for the failover duration.
  void LogChanges(const core::Decision& decision, MonoTime started);
  // Since when NIC `ifindex` has its role; nullopt when it had none in the last decision.
  std::optional<std::chrono::system_clock::time_point> Since(int ifindex) const;

 private:
  struct RoleRecord {
    core::NicRole role;
    std::string bridge;
    std::chrono::system_clock::time_point since;
  };

  const Clock& clock_;
  EventLog& events_;
  Metrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<int, RoleRecord> roles_;  // by ifindex
};

}  // namespace failoverd
