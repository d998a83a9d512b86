// The guard of apply and reload (policy_guard.h): the facts come from the kernel and
// from deciding on this host under the new policy; nothing changes here.
#include <algorithm>

#include "failoverd/daemon/daemon.h"

namespace failoverd {

Status Daemon::GuardPolicy(const policy::Policy& next, const PolicyGuardRequest& guard, const std::string& file) {
  PolicyGuardFacts facts;
  if (auto routes = kernel_.ListDefaultRoutes(); !routes) {
    facts.routes_unknown = routes.message();
  } else {
    for (const core::DefaultRoute& hop : *routes) {
      const core::LinkInfo* link = observed_.Find(hop.ifindex);
      if (!link || !link->is_bridge() || !policy_.FindBridge(link->name)) continue;
      std::string& how = facts.default_route_bridges[link->name];
      how += (how.empty() ? "" : ", ") + (hop.gateway ? "via " + hop.gateway->ToString() : std::string("direct"));
    }
  }
  for (const auto& bridge : policy_.bridges)
    if (bridge.gateway && !facts.default_route_bridges.count(bridge.name))
      facts.default_route_bridges[bridge.name] = "the policy's gateway " + bridge.gateway->ToString();
  if (guard.session) {
    for (const auto& bridge : policy_.bridges) {
      const core::LinkInfo* link = observed_.FindByName(bridge.name);
      if (!link || !link->is_bridge()) continue;
      auto addresses = kernel_.ListAddresses(link->ifindex);
      std::vector<IpPrefix> held = addresses ? *addresses : std::vector<IpPrefix>{};
      held.insert(held.end(), bridge.addresses.begin(), bridge.addresses.end());
      if (std::any_of(held.begin(), held.end(),
                      [&](const IpPrefix& prefix) { return prefix.address == guard.session->local; })) {
        facts.session_bridge = bridge.name;
        break;
      }
    }
  }
  std::map<std::string, firewall::ZoneFragment> zones;
  for (const auto& bridge : next.bridges)
    if (auto zone = firewall::LoadZone(next.daemon.zones_dir, bridge.zone)) zones[bridge.name] = *zone;
  const core::Decision decided_next =
      core::Decide({next, observed_, state_.names(), machine_id_, clock_.Now(), &probes_.evidence(), &overrides_});
  const std::vector<std::string> hazards =
      PolicyHazards(policy_, next, decision_, decided_next, facts, zones, guard.session);
  if (hazards.empty()) return Status::Ok();
  if (!guard.force) {
    log_->warn("policy {} refused: {} hazard(s), the first: {}", file, hazards.size(), hazards.front());
    return Status::Error(PolicyRefusal(hazards, file));
  }
  for (const auto& hazard : hazards) {
    log_->warn("policy {} forced: going ahead although {}", file, hazard);
    events_.Add(clock_.WallNow(), "policy", "policy " + file + " forced although " + hazard);
  }
  return Status::Ok();
}

}  // namespace failoverd
