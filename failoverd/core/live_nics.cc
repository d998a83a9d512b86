#include "failoverd/core/live_nics.h"

#include <cctype>

#include "failoverd/core/nic_match.h"

namespace failoverd::core {

namespace {

bool HasServiceName(const std::string& name, const std::string& prefix) {
  if (prefix.empty() || !name.starts_with(prefix) || name.size() == prefix.size()) return false;
  for (size_t i = prefix.size(); i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

}  // namespace

bool InFailoverdsHands(const policy::Policy& policy, const ObservedState& observed, const LinkInfo& link) {
  if (HasServiceName(link.name, policy.nics.prefix)) return true;
  const LinkInfo* master = link.master ? observed.Find(link.master) : nullptr;
  return master && master->is_own_bridge() && policy.FindBridge(master->name);
}

std::map<int, std::string> JudgeLiveNics(const policy::Policy& policy, const ObservedState& observed,
                                         const std::map<int, LiveConfig>& configs, const std::set<int>& candidates,
                                         const std::set<int>& converting) {
  std::map<int, std::string> left_alone;
  for (const int ifindex : candidates) {
    const LinkInfo* link = observed.Find(ifindex);
    if (!link || !IsManagedNic(policy.nics, *link) || converting.count(ifindex) ||
        InFailoverdsHands(policy, observed, *link))
      continue;
    // A port of someone else's bridge that has a policy bridge's name carries that bridge.
    if (const LinkInfo* master = link->master ? observed.Find(link->master) : nullptr;
        master && master->is_bridge() && !master->is_own_bridge() && policy.FindBridge(master->name)) {
      left_alone[ifindex] = "left alone: a port of bridge " + master->name + ", which failoverd did not make";
      continue;
    }
    auto config = configs.find(ifindex);
    if (config == configs.end() || config->second.empty()) continue;
    left_alone[ifindex] = LeftAloneReason(link->name, config->second);
  }
  return left_alone;
}

std::string LeftAloneReason(const std::string& name, const LiveConfig& config) {
  std::string what;
  for (const auto& address : config.addresses) what += (what.empty() ? "" : ", ") + address.ToString();
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const bool last = i + 1 == config.routes.size();
    what += (what.empty() ? "" : last ? " and " : ", ") + config.routes[i];
  }
  return "left alone: carries " + what + "; add a bridge named " + name +
         " to the policy and run `failoverd --migrate` to convert it";
}

}  // namespace failoverd::core
