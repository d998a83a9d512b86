#include "failoverd/core/isolate_guard.h"

#include <algorithm>

namespace failoverd::core {

namespace {

std::string GatewayList(const std::vector<DefaultRoute>& routes) {
  std::vector<std::string> gateways;
  for (const auto& route : routes) {
    if (!route.gateway) continue;
    const std::string text = route.gateway->ToString();
    if (std::find(gateways.begin(), gateways.end(), text) == gateways.end()) gateways.push_back(text);
  }
  std::string list;
  for (const auto& gateway : gateways) list += (list.empty() ? "" : ", ") + gateway;
  return list;
}

}  // namespace

std::vector<IsolateHazard> IsolateHazards(const IsolateFacts& facts) {
  using Kind = IsolateHazard::Kind;
  std::vector<IsolateHazard> hazards;
  const std::string& bridge = facts.bridge;
  if (!facts.default_routes.empty()) {
    const std::string via = GatewayList(facts.default_routes);
    hazards.push_back({Kind::kDefaultRoute, bridge + " carries the default route" + (via.empty() ? "" : " (via " + via + ")")});
  } else if (facts.policy_gateway) {
    // Not in the kernel (yet, or removed by someone): the policy still routes through it.
    hazards.push_back({Kind::kDefaultRoute, "the policy gives " + bridge + " the default route (gateway " +
                                                facts.policy_gateway->ToString() + ")"});
  } else if (!facts.routes_unknown.empty()) {
    hazards.push_back({Kind::kDefaultRoute, "failoverd cannot tell whether " + bridge +
                                                " carries the default route (" + facts.routes_unknown + ")"});
  }
  if (facts.session) {
    const std::string session = facts.session->ToString();
    const bool on_bridge = std::any_of(facts.addresses.begin(), facts.addresses.end(),
                                       [&](const IpPrefix& prefix) { return prefix.address == *facts.session; });
    if (on_bridge) {
      hazards.push_back({Kind::kSession, "your session comes in through " + bridge + " (" + session +
                                             " is one of its addresses)"});
    } else if (!facts.addresses_unknown.empty()) {
      hazards.push_back({Kind::kSession, "failoverd cannot tell whether your session (to " + session +
                                             ") comes in through " + bridge + " (" + facts.addresses_unknown + ")"});
    }
  }
  return hazards;
}

IsolateVerdict JudgeIsolate(const std::vector<IsolateHazard>& hazards, const IsolateRequest& request) {
  // --confirm always sets the window, guarded or not: the administrator asked for it.
  if (request.confirm_seconds > 0) return IsolateVerdict::kIsolateUntilConfirmed;
  if (hazards.empty() || request.force) return IsolateVerdict::kIsolate;
  return IsolateVerdict::kRefuse;
}

std::string JoinHazards(const std::vector<IsolateHazard>& hazards) {
  std::string text;
  for (const auto& hazard : hazards) text += (text.empty() ? "" : "; ") + hazard.text;
  return text;
}

std::string IsolateRefusal(const std::string& bridge, const std::vector<IsolateHazard>& hazards) {
  auto any = [&](IsolateHazard::Kind kind) {
    return std::any_of(hazards.begin(), hazards.end(), [&](const IsolateHazard& h) { return h.kind == kind; });
  };
  const bool host = any(IsolateHazard::Kind::kDefaultRoute);
  const bool session = any(IsolateHazard::Kind::kSession);
  const std::string what = host && session ? "this host and your session" : session ? "your session" : "this host";
  return "refused: " + JoinHazards(hazards) + "; isolating it could cut " + what +
         " off. Use `failoverctl isolate --confirm SECONDS " + bridge +
         "` (restored unless `failoverctl confirm` within SECONDS) or `failoverctl isolate --force " + bridge + "`";
}

}  // namespace failoverd::core
