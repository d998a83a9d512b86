#include "failoverd/daemon/policy_guard.h"

#include <algorithm>

#include "firewall/session_check.h"

namespace failoverd {

namespace {

bool HasActivePort(const core::Decision& decision, const std::string& bridge) {
  const core::BridgeDecision* decided = decision.FindBridge(bridge);
  return decided && decided->active != 0;
}

std::string NoNicReason(const core::Decision& decision, const std::string& bridge) {
  const core::BridgeDecision* decided = decision.FindBridge(bridge);
  return decided ? decided->reason : "not in the policy";
}

bool PolicyHolds(const policy::Bridge& bridge, const IpAddress& address) {
  return std::any_of(bridge.addresses.begin(), bridge.addresses.end(),
                     [&](const IpPrefix& prefix) { return prefix.address == address; });
}

}  // namespace

std::vector<std::string> PolicyHazards(const policy::Policy& now, const policy::Policy& next,
                                       const core::Decision& decided_now, const core::Decision& decided_next,
                                       const PolicyGuardFacts& facts,
                                       const std::map<std::string, firewall::ZoneFragment>& next_zones,
                                       const std::optional<CallerSession>& session) {
  std::vector<std::string> hazards;
  // Whatever carries the default route: a policy that deletes every bridge, or leaves
  // not one of them with a NIC, takes the host off every network it is on.
  std::string deleted;
  for (const auto& bridge : now.bridges)
    if (!next.FindBridge(bridge.name)) deleted += (deleted.empty() ? "" : ", ") + bridge.name;
  const bool any_now = std::any_of(decided_now.bridges.begin(), decided_now.bridges.end(),
                                   [](const core::BridgeDecision& bridge) { return bridge.active != 0; });
  const bool any_next = std::any_of(decided_next.bridges.begin(), decided_next.bridges.end(),
                                    [](const core::BridgeDecision& bridge) { return bridge.active != 0; });
  if (!now.bridges.empty() && std::all_of(now.bridges.begin(), now.bridges.end(), [&](const policy::Bridge& bridge) {
        return !next.FindBridge(bridge.name);
      })) {
    hazards.push_back("the new policy deletes every bridge (" + deleted + ")");
  } else if (any_now && !any_next) {
    std::string why;
    for (const auto& bridge : decided_next.bridges)
      why += (why.empty() ? "" : "; ") + bridge.policy->name + ": " + bridge.reason;
    hazards.push_back("not one bridge would have a usable NIC under the new policy (" + why + ")");
  }
  if (!facts.routes_unknown.empty())
    hazards.push_back("the default routes could not be read (" + facts.routes_unknown +
                      "), so it cannot be told whether the host keeps its way out");
  for (const auto& [bridge, carries] : facts.default_route_bridges) {
    // A bridge already without a NIC (isolated, cable out) loses nothing it has now.
    if (!HasActivePort(decided_now, bridge)) continue;
    if (!next.FindBridge(bridge))
      hazards.push_back(carries + " and the new policy deletes it");
    else if (!HasActivePort(decided_next, bridge))
      hazards.push_back(carries + " and would have no usable NIC under the new policy (" +
                        NoNicReason(decided_next, bridge) + ")");
  }
  if (!session || facts.session_bridge.empty()) return hazards;
  const std::string& bridge = facts.session_bridge;
  const std::string where =
      "your session (" + session->local.ToString() + ":" + std::to_string(session->port) + ") comes in through " + bridge;
  const policy::Bridge* before = now.FindBridge(bridge);
  const policy::Bridge* after = next.FindBridge(bridge);
  if (!after) {
    hazards.push_back(where + ", which the new policy deletes");
    return hazards;
  }
  if (before && PolicyHolds(*before, session->local) && !PolicyHolds(*after, session->local))
    hazards.push_back(where + ", and the new policy removes that address from it");
  if (HasActivePort(decided_now, bridge) && !HasActivePort(decided_next, bridge))
    hazards.push_back(where + ", which would have no usable NIC under the new policy (" +
                      NoNicReason(decided_next, bridge) + ")");
  if (auto zone = next_zones.find(bridge); zone != next_zones.end()) {
    const firewall::SessionVerdict verdict =
        firewall::JudgeNewConnection(zone->second, {session->peer, session->local, session->port});
    if (!verdict.admitted) hazards.push_back(where + ", and the new policy would firewall it off: " + verdict.why);
  }
  return hazards;
}

std::string PolicyRefusal(const std::vector<std::string>& hazards, const std::string& file, bool reload) {
  std::string text = "refused: ";
  for (size_t i = 0; i < hazards.size(); ++i) text += (i ? "; " : "") + hazards[i];
  if (reload)
    return text + ". Nothing was changed. If this is what you want, run `failoverctl reload --force` (a SIGHUP or "
                  "`systemctl reload` never forces), or better `failoverctl apply --confirm SECONDS --force " +
           file + "`, which rolls back unless confirmed";
  return text + ". Nothing was changed. If this is what you want, run `failoverctl apply --force " + file +
         "` (with --confirm SECONDS as well, it still rolls back unless confirmed)";
}

}  // namespace failoverd
