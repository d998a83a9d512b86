#include "failoverd/daemon/status_view.h"

#include "failoverd/common/clock.h"
#include "failoverd/core/identify.h"

namespace failoverd {

namespace {

nlohmann::json OrNull(const std::string& value) { return value.empty() ? nlohmann::json() : nlohmann::json(value); }

}  // namespace

nlohmann::json StatusView::Bridges() const {
  nlohmann::json bridges = nlohmann::json::array();
  for (const auto& bridge : s_.decision.bridges) bridges.push_back(Bridge(bridge));
  return bridges;
}

nlohmann::json StatusView::Nics() const {
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& nic : s_.decision.nics) {
    nlohmann::json json = Link(*s_.observed.Find(nic.ifindex));
    json["bridge"] = OrNull(nic.bridge);
    json["role"] = core::ToString(nic.role);
    json["reason"] = nic.reason;
    json["network"] = OrNull(nic.network);
    nics.push_back(std::move(json));
  }
  // A live NIC failoverd leaves alone is listed too, with why: the administrator looks
  // for it among the NICs first.
  for (const auto& [ifindex, reason] : s_.live_nics.left_alone()) {
    const core::LinkInfo* link = s_.observed.Find(ifindex);
    if (!link) continue;
    nlohmann::json json = Link(*link);
    json["bridge"] = nullptr;
    json["role"] = "left-alone";
    json["reason"] = reason;
    json["network"] = nullptr;
    nics.push_back(std::move(json));
  }
  return nics;
}

nlohmann::json StatusView::Link(const core::LinkInfo& link) const {
  return {
      {"name", link.name},
      {"ifindex", link.ifindex},
      {"perm_mac", link.perm_mac && !link.perm_mac->IsZero() ? nlohmann::json(link.perm_mac->ToString())
                                                             : nlohmann::json()},
      {"mac", link.mac.ToString()},
      {"path", OrNull(link.path)},
      {"driver", OrNull(link.driver)},
      {"carrier", link.carrier},
      {"seen", Seen(link.ifindex)},
  };
}

nlohmann::json StatusView::Bridge(const core::BridgeDecision& bridge) const {
  const std::string& name = bridge.policy->name;
  const core::LinkInfo* link = s_.observed.FindByName(name);
  if (link && !link->is_bridge()) link = nullptr;
  std::string state = "down";
  std::string error;
  if (auto it = s_.progress.bridge_failures.find(name); it != s_.progress.bridge_failures.end()) error = it->second;
  if (auto it = s_.progress.bridge_errors.find(name); it != s_.progress.bridge_errors.end()) error = it->second;
  if (auto it = s_.blocked.find(name); it != s_.blocked.end()) error = it->second;
  if (!error.empty()) state = "error";
  else if (bridge.isolated && link) state = "isolated";
  else if (link && link->admin_up) state = "up";

  nlohmann::json json = {
      {"name", name},
      {"mode", policy::ToString(bridge.policy->mode)},
      {"mac", (link ? link->mac : bridge.mac).ToString()},
      {"zone", bridge.policy->zone},
      {"state", state},
      {"active", nullptr},
      {"ports", nlohmann::json::array()},
  };
  if (!error.empty()) json["error"] = error;
  json["reason"] = bridge.reason;
  for (const auto& nic : s_.decision.nics) {
    if (nic.bridge != name) continue;
    const core::LinkInfo* nic_link = s_.observed.Find(nic.ifindex);
    const bool enslaved = link && nic_link->master == link->ifindex;
    if (bridge.active == nic.ifindex && enslaved) json["active"] = nic.name;
    const auto since = s_.roles.Since(nic.ifindex);
    // A port is the bridge's active one or a standby (SPEC §6); one attached by hand
    // is the active port and says so in "manual" (its NIC's role is "manual").
    json["ports"].push_back({
        {"nic", nic.name},
        {"role", bridge.active == nic.ifindex ? "active" : "standby"},
        {"manual", nic.role == core::NicRole::kManual},
        {"carrier", nic_link->carrier},
        {"enslaved", enslaved},
        {"since", since ? nlohmann::json(FormatRfc3339(*since)) : nlohmann::json()},
    });
  }
  return json;
}

nlohmann::json StatusView::Seen(int ifindex) const {
  nlohmann::json seen = {{"lldp", nullptr}, {"arp", nlohmann::json::array()}, {"ra", nlohmann::json::array()}};
  auto it = s_.probes.evidence().find(ifindex);
  if (it == s_.probes.evidence().end()) return seen;
  const core::Fingerprint& f = it->second.fingerprint;
  if (f.lldp) {
    seen["lldp"] = {{"chassis_id", f.lldp->chassis_id},
                    {"port_id", f.lldp->port_id},
                    {"port_description", f.lldp->port_description},
                    {"system_name", f.lldp->system_name},
                    {"port_vlan", f.lldp->port_vlan ? nlohmann::json(*f.lldp->port_vlan) : nlohmann::json()}};
  }
  for (const auto& answer : f.arp) seen["arp"].push_back({{"target", answer.target.ToString()}, {"mac", answer.mac.ToString()}});
  for (const auto& prefix : f.ra_prefixes) seen["ra"].push_back(prefix.ToString());
  seen["malformed_frames"] = f.malformed_frames;
  seen["probing_done"] = it->second.probing_done;
  return seen;
}

std::string StatusView::ProbeMessage(const std::string& name, const core::NicDecision& nic) const {
  if (!core::AnyIdentifyKeys(s_.policy)) return name + ": no bridge has [bridge.identify] keys, so nothing is matched";
  const core::Identification& id = nic.identification;
  return name + ": " + core::ToString(id.verdict) + (nic.network.empty() ? "" : " (" + nic.network + ")") +
         (id.reason.empty() ? "" : " - " + id.reason);
}

Result<nlohmann::json> StatusView::Probe(const std::string& name) const {
  for (const auto& nic : s_.decision.nics) {
    const core::LinkInfo* link = s_.observed.Find(nic.ifindex);
    if (link->name != name) continue;
    const core::Identification& id = nic.identification;
    nlohmann::json contradicted = nlohmann::json::array();
    for (const auto& bridge : id.contradicted) contradicted.push_back(bridge);
    return nlohmann::json{
        {"nic", name},
        {"carrier", link->carrier},
        {"seen", Seen(nic.ifindex)},
        {"verdict", core::ToString(id.verdict)},
        {"network", OrNull(nic.network)},
        {"matches", nlohmann::json(id.matched)},
        {"contradicts", contradicted},
        {"role", core::ToString(nic.role)},
        {"bridge", OrNull(nic.bridge)},
        {"message", ProbeMessage(name, nic)},
    };
  }
  return Status::Error("no managed NIC named '" + name + "'");
}

}  // namespace failoverd
