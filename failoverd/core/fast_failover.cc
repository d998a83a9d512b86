#include "failoverd/core/fast_failover.h"

#include <map>

namespace failoverd::core {

const BridgeDecision* ActiveBridgeOf(const Decision& decision, const ObservedState& observed, int ifindex) {
  const LinkInfo* port = observed.Find(ifindex);
  if (!port || port->master == 0) return nullptr;
  for (const BridgeDecision& bridge : decision.bridges) {
    if (bridge.active != ifindex || bridge.isolated) continue;
    const LinkInfo* link = observed.Find(port->master);
    if (link && link->is_bridge() && link->name == bridge.policy->name) return &bridge;
  }
  return nullptr;
}

std::optional<FastAttach> FastFailoverStep(const Decision& before, const Decision& after,
                                           const ObservedState& observed, int lost) {
  const BridgeDecision* was = ActiveBridgeOf(before, observed, lost);
  if (!was) return std::nullopt;
  const BridgeDecision* now = after.FindBridge(was->policy->name);
  if (!now || now->isolated || now->active == 0 || now->active == lost) return std::nullopt;
  const LinkInfo* standby = observed.Find(now->active);
  const NicDecision* nic = after.FindNic(now->active);
  // Only a NIC that forwards the moment it is enslaved: up, with carrier, under the
  // name it keeps, and in no bridge yet. Anything else is the ordinary plan's work.
  if (!standby || !nic || !standby->admin_up || !standby->carrier || standby->master != 0 ||
      nic->current_name != nic->name)
    return std::nullopt;
  const LinkInfo* bridge = observed.Find(observed.Find(lost)->master);
  return FastAttach{standby->ifindex, bridge->ifindex, standby->name, bridge->name};
}

std::vector<int> LostCarrier(const std::vector<CarrierNote>& notes) {
  std::map<int, bool> last;
  std::vector<int> order;
  for (const auto& [ifindex, carrier] : notes) {
    if (!last.count(ifindex)) order.push_back(ifindex);
    last[ifindex] = carrier;
  }
  std::vector<int> lost;
  for (int ifindex : order)
    if (!last[ifindex]) lost.push_back(ifindex);
  return lost;
}

}  // namespace failoverd::core
