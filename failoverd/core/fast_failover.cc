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

std::optional<FastAttach> FastFailoverStep(const Decision& decision, const ObservedState& observed, int lost,
                                           MonoTime now, std::chrono::milliseconds up_delay,
                                           std::chrono::milliseconds hold_down) {
  const BridgeDecision* was = ActiveBridgeOf(decision, observed, lost);
  // A loss counts once it has lasted hold_down: the reconcile's timer decides then.
  if (!was || hold_down.count() > 0) return std::nullopt;
  for (int successor : was->successors) {
    const LinkInfo* standby = observed.Find(successor);
    if (!standby || !standby->carrier) continue;
    const auto since = observed.CarrierSince(successor);
    if (since && now - *since < up_delay) continue;  // not usable yet: Decide() would pass it over
    // The one Decide() would choose. Only a NIC that forwards the moment it is
    // enslaved: up, under the name it keeps, in no bridge yet. Anything else is the
    // ordinary plan's work.
    const NicDecision* nic = decision.FindNic(successor);
    if (!nic || !standby->admin_up || standby->master != 0 || nic->current_name != nic->name) return std::nullopt;
    const LinkInfo* bridge = observed.Find(observed.Find(lost)->master);
    return FastAttach{standby->ifindex, bridge->ifindex, standby->name, bridge->name};
  }
  return std::nullopt;
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
