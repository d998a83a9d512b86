#include "failoverd/daemon/role_log.h"

namespace failoverd {

RoleLog::RoleLog(const Clock& clock, EventLog& events, Metrics& metrics, std::shared_ptr<spdlog::logger> log)
    : clock_(clock), events_(events), metrics_(metrics), log_(std::move(log)) {}

void RoleLog::LogChanges(const core::Decision& decision, MonoTime started) {
  // Which NIC was each bridge's active port before this decision.
  std::map<std::string, int> previous_active;
  for (const auto& [ifindex, record] : roles_)
    if (record.role == core::NicRole::kActive) previous_active[record.bridge] = ifindex;
  std::map<int, RoleRecord> next;
  for (const auto& nic : decision.nics) {
    auto old = roles_.find(nic.ifindex);
    if (old != roles_.end() && old->second.role == nic.role && old->second.bridge == nic.bridge) {
      next[nic.ifindex] = old->second;
      continue;
    }
    if (nic.role == core::NicRole::kActive) {
      auto before = previous_active.find(nic.bridge);
      if (before != previous_active.end() && before->second != nic.ifindex) {
        ++metrics_.failovers[nic.bridge];
        metrics_.last_failover_seconds = std::chrono::duration<double>(clock_.Now() - started).count();
      }
    }
    if (old != roles_.end() && !old->second.bridge.empty() && !nic.bridge.empty() && old->second.bridge != nic.bridge)
      ++metrics_.moves;
    if (nic.role == core::NicRole::kQuarantined && (old == roles_.end() || old->second.role != nic.role))
      ++metrics_.quarantines;
    const std::string from = old == roles_.end() ? "new" : core::ToString(old->second.role);
    const std::string message =
        nic.name + ": " + from + " -> " + core::ToString(nic.role) +
        (nic.bridge.empty() ? "" : " of " + nic.bridge) + " (" + nic.reason + ")";
    log_->info("{}", message);
    events_.Add(clock_.WallNow(), "role", message);
    next[nic.ifindex] = {nic.role, nic.bridge, clock_.WallNow()};
  }
  roles_ = std::move(next);
}

std::optional<std::chrono::system_clock::time_point> RoleLog::Since(int ifindex) const {
  auto role = roles_.find(ifindex);
  if (role == roles_.end()) return std::nullopt;
  return role->second.since;
}

}  // namespace failoverd
