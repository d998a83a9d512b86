// The guard of apply and reload (policy_guard.h): the facts come from the kernel (as
// for the guard of isolate) and from deciding on this host under the new policy;
// nothing changes here.
#include "failoverd/daemon/daemon.h"

namespace failoverd {

Status Daemon::GuardPolicy(const policy::Policy& next, const PolicyGuardRequest& guard, const std::string& file,
                           bool reload) {
  // The same facts the guard of `isolate` reads (daemon_isolate.cc, core/isolate_guard.h).
  PolicyGuardFacts facts;
  const std::optional<IpAddress> local = guard.session ? std::optional(guard.session->local) : std::nullopt;
  for (const auto& bridge : policy_.bridges) {
    const core::IsolateFacts isolate = IsolateFactsOf(bridge, local);
    if (!isolate.routes_unknown.empty()) facts.routes_unknown = isolate.routes_unknown;
    for (const core::IsolateHazard& hazard : core::IsolateHazards(isolate)) {
      if (hazard.kind == core::IsolateHazard::Kind::kDefaultRoute && isolate.routes_unknown.empty())
        facts.default_route_bridges[bridge.name] = hazard.text;
      if (hazard.kind == core::IsolateHazard::Kind::kSession && facts.session_bridge.empty())
        facts.session_bridge = bridge.name;
    }
  }
  std::map<std::string, firewall::ZoneFragment> zones;
  for (const auto& bridge : next.bridges)
    if (auto zone = firewall::LoadZone(next.daemon.zones_dir, bridge.zone)) zones[bridge.name] = *zone;
  const core::Decision decided_next =
      core::Decide({next, observed_, state_.names(), machine_id_, clock_.Now(), &probes_.evidence(), &overrides_,
                    nullptr, &live_nics_.left_alone()});
  const std::vector<std::string> hazards =
      PolicyHazards(policy_, next, decision_, decided_next, facts, zones, guard.session);
  if (hazards.empty()) return Status::Ok();
  if (!guard.force) {
    log_->warn("policy {} refused: {} hazard(s), the first: {}", file, hazards.size(), hazards.front());
    return Status::Error(PolicyRefusal(hazards, file, reload));
  }
  for (const auto& hazard : hazards) {
    log_->warn("policy {} forced: going ahead although {}", file, hazard);
    events_.Add(clock_.WallNow(), "policy", "policy " + file + " forced although " + hazard);
  }
  return Status::Ok();
}

}  // namespace failoverd
