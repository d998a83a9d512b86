#include "failoverd/daemon/apply_snapshot.h"

#include <algorithm>

namespace failoverd {

namespace {

std::string PortText(const std::optional<RecordedPort>& port) {
  return port ? port->nic + " (" + port->identity.ToString() + ")" : "none";
}

std::string PortsText(const std::vector<RecordedPort>& ports) {
  std::string text;
  for (const auto& port : ports) text += (text.empty() ? "" : ", ") + PortText(port);
  return "[" + text + "]";
}

bool SameRules(const firewall::ZoneFragment& a, const firewall::ZoneFragment& b) {
  return a.name == b.name && a.input_rules == b.input_rules && a.forward_rules == b.forward_rules;
}

std::string ZoneText(const std::optional<firewall::ZoneFragment>& zone) {
  if (!zone) return "none";
  return zone->name + " (" + std::to_string(zone->input_rules.size()) + " input, " +
         std::to_string(zone->forward_rules.size()) + " forward rules)";
}

// Elements of `a` missing from `b` (both sorted), as text.
template <typename T>
std::vector<std::string> Missing(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  std::vector<std::string> text;
  for (const auto& item : out) text.push_back(item.ToString());
  return text;
}

void CompareBridge(const RecordedBridge& was, const RecordedBridge& now, std::vector<std::string>& out) {
  const std::string& name = was.name;
  if (was.present != now.present) {
    out.push_back(name + (was.present ? ": the bridge is missing (only its firewall zone is left)"
                                      : ": the bridge exists (at apply only its firewall zone was left)"));
    return;
  }
  if (was.mac != now.mac) out.push_back(name + ": MAC " + now.mac.ToString() + ", recorded " + was.mac.ToString());
  if (was.active != now.active)
    out.push_back(name + ": active port " + PortText(now.active) + ", recorded " + PortText(was.active));
  if (was.standbys != now.standbys)
    out.push_back(name + ": standby ports " + PortsText(now.standbys) + ", recorded " + PortsText(was.standbys));
  for (const auto& address : Missing(was.l3.addresses, now.l3.addresses))
    out.push_back(name + ": address " + address + " is missing");
  for (const auto& address : Missing(now.l3.addresses, was.l3.addresses))
    out.push_back(name + ": address " + address + " was not there at apply");
  for (const auto& gateway : Missing(was.l3.gateways, now.l3.gateways))
    out.push_back(name + ": default route via " + gateway + " is missing");
  for (const auto& gateway : Missing(now.l3.gateways, was.l3.gateways))
    out.push_back(name + ": default route via " + gateway + " was not there at apply");
  const bool same_zone = was.zone.has_value() == now.zone.has_value() && (!was.zone || SameRules(*was.zone, *now.zone));
  if (!same_zone) {
    if (was.zone && now.zone && was.zone->name == now.zone->name)
      out.push_back(name + ": the rules of zone " + was.zone->name + " differ from those recorded");
    else
      out.push_back(name + ": firewall zone " + ZoneText(now.zone) + ", recorded " + ZoneText(was.zone));
  }
}

}  // namespace

const RecordedBridge* ApplySnapshot::Find(const std::string& name) const {
  for (const auto& bridge : bridges)
    if (bridge.name == name) return &bridge;
  return nullptr;
}

std::map<std::string, firewall::ZoneFragment> ApplySnapshot::Zones() const {
  std::map<std::string, firewall::ZoneFragment> zones;
  for (const auto& bridge : bridges)
    if (bridge.zone) zones[bridge.name] = *bridge.zone;
  return zones;
}

std::map<std::string, MacAddress> ApplySnapshot::ActivePorts() const {
  std::map<std::string, MacAddress> ports;
  for (const auto& bridge : bridges)
    if (bridge.active) ports[bridge.name] = bridge.active->identity;
  return ports;
}

Result<ApplySnapshot> TakeSnapshot(const SnapshotInput& input, core::KernelOps& kernel) {
  ApplySnapshot snapshot;
  for (const auto& nic : input.decision.nics)
    if (const core::LinkInfo* link = input.observed.Find(nic.ifindex)) snapshot.names[nic.identity] = link->name;

  for (const std::string& name : input.bridges) {  // a std::set: by name
    const core::LinkInfo* link = input.observed.FindByName(name);
    if (link && !link->is_bridge()) link = nullptr;
    auto zone = input.installed_zones.find(name);
    if (!link && zone == input.installed_zones.end()) continue;
    RecordedBridge bridge;
    bridge.name = name;
    bridge.present = link != nullptr;
    if (zone != input.installed_zones.end()) bridge.zone = zone->second;
    if (link) {
      bridge.mac = link->mac;
      auto l3 = kernel.ReadL3(link->ifindex);
      if (!l3) return Status::Error(name + ": " + l3.message());
      bridge.l3 = *l3;
      const core::BridgeDecision* decided = input.decision.FindBridge(name);
      for (const auto& nic : input.decision.nics) {
        const core::LinkInfo* nic_link = input.observed.Find(nic.ifindex);
        if (!nic_link) continue;
        const RecordedPort port{nic_link->name, nic.identity};
        // Of several enslaved NICs (never in active-backup), the decided one is named.
        if (nic_link->master == link->ifindex && (!bridge.active || (decided && decided->active == nic.ifindex)))
          bridge.active = port;
        else if (nic.bridge == name && nic.role == core::NicRole::kStandby)
          bridge.standbys.push_back(port);
      }
      std::sort(bridge.standbys.begin(), bridge.standbys.end(),
                [](const RecordedPort& a, const RecordedPort& b) { return a.nic < b.nic; });
    }
    snapshot.bridges.push_back(std::move(bridge));
  }
  return snapshot;
}

std::vector<std::string> SnapshotDifferences(const ApplySnapshot& recorded, const ApplySnapshot& now) {
  std::vector<std::string> out;
  for (const auto& was : recorded.bridges) {
    const RecordedBridge* is = now.Find(was.name);
    if (!is) {
      out.push_back(was.name + (!was.present ? ": its firewall zone is missing"
                                             : was.zone ? ": the bridge is missing and so is its firewall zone"
                                                        : ": the bridge is missing"));
      continue;
    }
    CompareBridge(was, *is, out);
  }
  for (const auto& is : now.bridges)
    if (!recorded.Find(is.name))
      out.push_back(is.name + (is.present ? ": the bridge exists" : ": its firewall zone exists") +
                    ", it was not there at apply");
  for (const auto& [identity, name] : recorded.names) {
    auto it = now.names.find(identity);
    if (it == now.names.end())
      out.push_back("NIC " + identity.ToString() + " (" + name + " at apply) is gone");
    else if (it->second != name)
      out.push_back("NIC " + identity.ToString() + " is named " + it->second + ", recorded " + name);
  }
  for (const auto& [identity, name] : now.names)
    if (!recorded.names.count(identity))
      out.push_back("NIC " + identity.ToString() + " (" + name + ") was not there at apply");
  return out;
}

}  // namespace failoverd
