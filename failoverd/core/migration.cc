#include "failoverd/core/migration.h"

#include <algorithm>
#include <set>

#include "failoverd/core/nic_match.h"

namespace failoverd::core {

namespace {

// DHCP clients that take the interface as an argument; with no interface
// argument at all, dhclient and dhcpcd configure every interface.
const std::set<std::string> kDhcpClients = {"dhclient", "dhcpcd", "udhcpc", "dhcpcd-bin", "pump", "odhcp6c"};

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The DHCP client named in argv (argv[0], or the script an interpreter runs), "" if none.
std::string DhcpClientOf(const ProcessFact& process) {
  for (size_t i = 0; i < process.argv.size() && i < 2; ++i)
    if (kDhcpClients.count(BaseName(process.argv[i]))) return BaseName(process.argv[i]);
  return "";
}

bool NamesInterface(const ProcessFact& process, const std::string& nic) {
  for (size_t i = 1; i < process.argv.size(); ++i) {
    const std::string& arg = process.argv[i];
    if (arg == nic || arg.ends_with("." + nic + ".pid") || arg.ends_with("." + nic + ".leases")) return true;
  }
  return false;
}

// Whether the client was given any interface at all (without one, dhclient and
// dhcpcd configure every interface). Options start with '-'; the files given to
// -pf/-lf/-cf/-sf are not interfaces.
bool NamesAnyInterface(const ProcessFact& process) {
  static const std::set<std::string> kOptionsWithValue = {"-pf", "-lf", "-cf", "-sf", "-s", "-p"};
  for (size_t i = 1; i < process.argv.size(); ++i) {
    const std::string& arg = process.argv[i];
    if (kDhcpClients.count(BaseName(arg))) continue;  // the client itself, run by an interpreter
    if (!arg.starts_with("-")) return true;
    if (kOptionsWithValue.count(arg)) ++i;
  }
  return false;
}

}  // namespace

std::vector<MigrationCandidate> FindMigrationCandidates(const policy::Policy& policy, const ObservedState& observed,
                                                        const std::map<int, std::vector<AddressFact>>& addresses) {
  std::vector<MigrationCandidate> out;
  for (const auto& bridge : policy.bridges) {
    const LinkInfo* link = observed.FindByName(bridge.name);
    if (!link || link->is_bridge() || !IsManagedNic(policy.nics, *link)) continue;
    auto facts = addresses.find(link->ifindex);
    if (facts == addresses.end()) continue;
    MigrationCandidate candidate{bridge.name, link->ifindex, link->mac, {}};
    for (const auto& fact : facts->second)
      if (!fact.link_local) candidate.addresses.push_back(fact.prefix);
    if (!candidate.addresses.empty()) out.push_back(std::move(candidate));
  }
  return out;
}

std::vector<BridgeTakeover> FindForeignBridges(const policy::Policy& policy, const ObservedState& observed,
                                               const std::map<int, std::vector<AddressFact>>& addresses,
                                               const std::set<std::string>& taken_back) {
  std::vector<BridgeTakeover> out;
  for (const auto& bridge : policy.bridges) {
    const LinkInfo* link = observed.FindByName(bridge.name);
    if (!link || !link->is_bridge() || link->is_own_bridge() || taken_back.count(bridge.name)) continue;
    BridgeTakeover takeover{bridge.name, link->ifindex, link->mac, {}, {}};
    for (const auto& [ifindex, port] : observed.links())
      if (port.master == link->ifindex) takeover.ports.push_back(ifindex);
    if (auto facts = addresses.find(link->ifindex); facts != addresses.end())
      for (const auto& fact : facts->second)
        if (!fact.link_local) takeover.addresses.push_back(fact.prefix);
    out.push_back(std::move(takeover));
  }
  return out;
}

std::string TakeoverProblem(const policy::Policy& policy, const Decision& decision, const ObservedState& observed,
                            const BridgeTakeover& takeover) {
  const std::string& name = takeover.bridge;
  std::vector<int> carrying;  // the policy's NICs it forwards through now
  for (int ifindex : takeover.ports) {
    const LinkInfo* port = observed.Find(ifindex);
    if (!port) continue;
    if (IsManagedNic(policy.nics, *port)) {
      if (port->carrier) carrying.push_back(ifindex);
      continue;
    }
    if (port->kind == "tun") continue;  // a guest's tap: stays a port, as on any bridge of failoverd's
    return "bridge " + name + " has port " + port->name + " (" + (port->kind.empty() ? "a device" : port->kind) +
           "), which the policy does not select: if it leads to the network the policy's NICs are on, "
           "taking " + name + " over would make a second path there (a loop). Take " + port->name + " out of " +
           name + " (`ip link set " + port->name + " nomaster`) or select it in [nics], then convert";
  }
  const BridgeDecision* bridge = decision.FindBridge(name);
  if (!bridge) return name + " is not a bridge of the policy";
  const LinkInfo* link = observed.Find(takeover.ifindex);
  if (link && link->bridge_settings && link->bridge_settings->stp != bridge->policy->stp) {
    const char* now = link->bridge_settings->stp ? "on" : "off";
    return "bridge " + name + " has STP " + now + " and the policy says " + (bridge->policy->stp ? "on" : "off") +
           ": turning STP on a running bridge (or back, when the conversion is rolled back) stops its ports for "
           "twice the forward delay. Set stp = " + (link->bridge_settings->stp ? "true" : "false") +
           " for it in the policy (or change the bridge's STP first), then convert";
  }
  if (bridge->policy->mac.pinned() && bridge->mac != takeover.mac)
    return "bridge " + name + " would get MAC " + bridge->mac.ToString() + " instead of its " +
           takeover.mac.ToString() + ": neighbours' ARP caches and DHCP reservations would no longer match. " +
           "Set mac = \"" + takeover.mac.ToString() + "\" (or \"inherit\") for it in the policy";
  if (!carrying.empty() && std::find(carrying.begin(), carrying.end(), bridge->active) == carrying.end()) {
    const LinkInfo* now = observed.Find(carrying.front());
    const LinkInfo* chosen = bridge->active ? observed.Find(bridge->active) : nullptr;
    return "bridge " + name + " forwards through " + now->name + " (MAC " + now->mac.ToString() +
           "), and the policy would put " + (chosen ? chosen->name : std::string("no NIC")) + " in its place (" +
           bridge->reason + "). List " + now->name + " first in the bridge's ports, e.g. { mac = \"" +
           now->mac.ToString() + "\" }";
  }
  return "";
}

std::string ManagerProblem(const std::string& nic, const std::vector<AddressFact>& addresses,
                           const ManagerFacts& managers) {
  for (const auto& process : managers.processes) {
    const std::string client = DhcpClientOf(process);
    if (client.empty()) continue;
    if (NamesInterface(process, nic) || !NamesAnyInterface(process))
      return nic + " is driven by a DHCP client (" + client + ", pid " + std::to_string(process.pid) +
             "), which would keep configuring the NIC after it became a bridge port. Give " + nic +
             " a static address first (e.g. `iface " + nic + " inet static` in /etc/network/interfaces, "
             "with the address the DHCP server reserved), stop the client, then convert";
  }
  for (const auto& address : addresses) {
    if (address.permanent || address.link_local) continue;
    return nic + ": address " + address.prefix.ToString() + " has a lease lifetime (valid " +
           std::to_string(address.valid_lft) + " s): it was set by a DHCP client or by router advertisements, "
           "which would keep renewing it on the NIC. Make it a static address first, then convert";
  }
  if (managers.networkd_state && *managers.networkd_state != "unmanaged" && *managers.networkd_state != "")
    return nic + " is managed by systemd-networkd (state " + *managers.networkd_state +
           "). Set `Unmanaged=yes` for it in a .network file (or stop systemd-networkd), then convert";
  if (managers.nm_managed && *managers.nm_managed)
    return nic + " is managed by NetworkManager. Run `nmcli device set " + nic +
           " managed no` (and keep it so in NetworkManager.conf), then convert";
  return "";
}

std::string DecisionProblem(const Decision& decision, const ObservedState& observed,
                            const MigrationCandidate& candidate) {
  const BridgeDecision* bridge = decision.FindBridge(candidate.bridge);
  if (!bridge) return candidate.bridge + " is not a bridge of the policy";
  if (bridge->active != candidate.ifindex) {
    const LinkInfo* chosen = bridge->active ? observed.Find(bridge->active) : nullptr;
    return "the policy would not keep the NIC now named " + candidate.bridge + " (MAC " + candidate.mac.ToString() +
           ") as the port of bridge " + candidate.bridge + ": " +
           (chosen ? chosen->name + " would be chosen" : "no NIC would be") + " (" + bridge->reason +
           "). List that NIC first in the bridge's ports, e.g. { mac = \"" + candidate.mac.ToString() + "\" }";
  }
  if (bridge->mac != candidate.mac)
    return "bridge " + candidate.bridge + " would get MAC " + bridge->mac.ToString() + ", not the NIC's " +
           candidate.mac.ToString() + ": neighbours' ARP caches and DHCP reservations would no longer match. " +
           "Set mac = \"inherit\" (with this NIC first in ports) or mac = \"" + candidate.mac.ToString() + "\"";
  return "";
}

}  // namespace failoverd::core
