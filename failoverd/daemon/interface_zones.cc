#include "failoverd/daemon/interface_zones.h"

namespace failoverd {

void InterfaceZones::Load(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& pinned) {
  for (const auto& interface : policy.interfaces) {
    auto recorded = pinned.find(interface.name);
    if (recorded != pinned.end() && recorded->second.name == interface.zone)
      installed_[interface.name] = recorded->second;
    else if (auto zone = firewall::LoadZone(policy.daemon.zones_dir, interface.zone))
      installed_[interface.name] = *zone;
    else
      log_->error("{}: zone {} not installed, the interface is left to your own rules: {}", interface.name,
                  interface.zone, zone.message());
  }
}

void InterfaceZones::Sync(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& zones) {
  for (auto it = installed_.begin(); it != installed_.end();) {
    if (policy.FindInterface(it->first)) {
      ++it;
      continue;
    }
    if (Status removed = firewall_.Apply(firewall::RemoveZoneScript(it->first)); !removed)
      log_->error("{}: zone not removed: {}", it->first, removed.message());
    else
      log_->info("{}: zone {} removed; the interface is left to your own rules", it->first, it->second.name);
    it = installed_.erase(it);
  }
  for (const auto& interface : policy.interfaces) {
    auto zone = zones.find(interface.name);
    if (zone == zones.end()) continue;
    auto installed = installed_.find(interface.name);
    if (installed != installed_.end() && installed->second.name == zone->second.name &&
        installed->second.input_rules == zone->second.input_rules &&
        installed->second.forward_rules == zone->second.forward_rules)
      continue;
    if (Status applied = firewall_.Apply(firewall::InstallZoneScript({interface.name, zone->second})); !applied) {
      log_->error("{}: zone {} not installed: {}", interface.name, interface.zone, applied.message());
      continue;
    }
    installed_[interface.name] = zone->second;
    log_->info("{}: zone {} installed", interface.name, interface.zone);
  }
}

}  // namespace failoverd
