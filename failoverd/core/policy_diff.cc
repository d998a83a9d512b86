#include "failoverd/core/policy_diff.h"

#include <algorithm>

namespace failoverd::core {

namespace {

bool SameMacRule(const policy::MacRule& a, const policy::MacRule& b) {
  return a.kind == b.kind && (a.kind != policy::MacRule::Kind::kExplicit || a.value == b.value);
}

std::string SelectorsText(const std::vector<policy::NicSelector>& selectors) {
  std::string text;
  for (const auto& selector : selectors) text += std::string(policy::ToString(selector.kind)) + "=" + selector.pattern + ";";
  return text;
}

std::string IdentifyText(const policy::Identify& identify) {
  return identify.lldp_chassis.value_or("") + "|" + identify.lldp_port.value_or("") + "|" +
         identify.lldp_system.value_or("") + "|" + (identify.arp_target ? identify.arp_target->ToString() : "") + "|" +
         (identify.ra_prefix ? identify.ra_prefix->ToString() : "") + "|" + policy::ToString(identify.require);
}

std::vector<IpPrefix> Missing(const std::vector<IpPrefix>& from, const std::vector<IpPrefix>& in) {
  std::vector<IpPrefix> out;
  for (const auto& prefix : from)
    if (std::find(in.begin(), in.end(), prefix) == in.end()) out.push_back(prefix);
  return out;
}

// The changes to one bridge that both policies have.
void DiffBridge(const policy::Bridge& old, const policy::Bridge& bridge, bool zone_changed, PolicyDiff& diff) {
  const std::string& name = bridge.name;
  if (zone_changed) {
    diff.rezoned.insert(name);
    diff.changes.push_back(name + ": zone " +
                           (old.zone == bridge.zone ? bridge.zone + " changed" : old.zone + " -> " + bridge.zone) +
                           ", replaced atomically");
  }
  std::vector<IpPrefix> stale = Missing(old.addresses, bridge.addresses);
  const bool added = !Missing(bridge.addresses, old.addresses).empty();
  if (!stale.empty() || added || old.gateway != bridge.gateway) {
    StaleL3& l3 = diff.readdressed[name];
    l3.addresses = std::move(stale);
    if (old.gateway && old.gateway != bridge.gateway) l3.gateway = old.gateway;
    diff.changes.push_back(name + ": addresses or gateway changed");
  }
  if (!SameMacRule(old.mac, bridge.mac) || old.stp != bridge.stp || old.forward_delay_s != bridge.forward_delay_s) {
    diff.updated.insert(name);
    diff.changes.push_back(name + ": MAC, STP or forward delay changed");
  }
  if (old.mode != bridge.mode)
    diff.changes.push_back(name + ": mode " + policy::ToString(old.mode) + " -> " + policy::ToString(bridge.mode));
  // Decide re-evaluates these on its own; listed so the administrator sees them taken.
  if (SelectorsText(old.ports) != SelectorsText(bridge.ports) || old.spares != bridge.spares ||
      old.failback != bridge.failback)
    diff.changes.push_back(name + ": ports, spares or failback changed: re-evaluated (a working active NIC "
                           "keeps the job unless the policy no longer allows it)");
  if (IdentifyText(old.identify) != IdentifyText(bridge.identify))
    diff.changes.push_back(name + ": identify keys changed: NICs are judged by the new ones");
}

}  // namespace

PolicyDiff DiffPolicy(const policy::Policy& old, const policy::Policy& next,
                      const std::function<bool(const std::string&)>& zone_changed) {
  PolicyDiff diff;
  for (const auto& bridge : old.bridges) {
    if (next.FindBridge(bridge.name)) continue;
    diff.retired.push_back(bridge.name);
    diff.changes.push_back(bridge.name +
                           ": no longer in the policy: its NICs are released, the bridge and its zone deleted");
  }
  for (const auto& bridge : next.bridges) {
    const policy::Bridge* was = old.FindBridge(bridge.name);
    if (!was) {
      diff.added.push_back(bridge.name);
      diff.changes.push_back(bridge.name + ": new: created with zone " + bridge.zone);
      continue;
    }
    DiffBridge(*was, bridge, zone_changed(bridge.name), diff);
  }
  if (SelectorsText(old.nics.include) != SelectorsText(next.nics.include) ||
      SelectorsText(old.nics.exclude) != SelectorsText(next.nics.exclude) || old.nics.prefix != next.nics.prefix)
    diff.changes.push_back("[nics] changed: managed NICs and their names re-evaluated");
  if (old.daemon.hold_down_ms != next.daemon.hold_down_ms || old.daemon.up_delay_ms != next.daemon.up_delay_ms)
    diff.changes.push_back("hold_down_ms / up_delay_ms changed: in effect from now on");
  const policy::DaemonSettings& was = old.daemon;
  const policy::DaemonSettings& now = next.daemon;
  if (was.state_dir != now.state_dir) diff.needs_restart.push_back("state_dir");
  if (was.control_socket != now.control_socket) diff.needs_restart.push_back("control_socket");
  if (was.control_group != now.control_group) diff.needs_restart.push_back("control_group");
  if (was.udev_source != now.udev_source) diff.needs_restart.push_back("udev_source");
  for (const auto& interface : next.interfaces) {
    const policy::InterfaceZone* before = old.FindInterface(interface.name);
    if (!before || before->zone != interface.zone) diff.changes.push_back(interface.name + ": zone " + interface.zone);
  }
  for (const auto& before : old.interfaces)
    if (!next.FindInterface(before.name))
      diff.changes.push_back(before.name + ": no longer given a zone: left to your own rules");
  return diff;
}

}  // namespace failoverd::core
