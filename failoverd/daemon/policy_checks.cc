#include "failoverd/daemon/policy_checks.h"

#include <grp.h>
#include <sys/stat.h>

#include <cerrno>
#include <algorithm>
#include <set>

#include "failoverd/core/nic_match.h"

#include "firewall/shipped_zones.h"
#include "firewall/zone_check.h"

namespace failoverd {

namespace {

std::string At(const policy::Policy& policy, const policy::SourcePos& pos) {
  return policy.source_path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

bool ZoneFileMissing(const std::string& zones_dir, const std::string& zone) {
  struct stat st {};
  const std::string path = zones_dir + (zones_dir.ends_with("/") ? "" : "/") + zone + ".nft";
  return stat(path.c_str(), &st) != 0 && errno == ENOENT && !firewall::ShippedZoneText(zone);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// Whether `group` names a group of this host (NSS included).
bool GroupExists(const std::string& group) {
  struct group entry {};
  struct group* found = nullptr;
  std::vector<char> buffer(16384);
  return getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr;
}

}  // namespace

std::string PolicyCheck::Text() const {
  std::string text;
  for (const auto& error : errors) text += error + "\n";
  return text;
}

Result<firewall::ZoneFragment> ZoneOf(const policy::Bridge& bridge, const std::string& zones_dir,
                                      const std::map<std::string, firewall::ZoneFragment>& pinned) {
  auto it = pinned.find(bridge.name);
  if (it != pinned.end() && it->second.name == bridge.zone) return it->second;
  return firewall::LoadZone(zones_dir, bridge.zone);
}

PolicyCheck CheckPolicyOnHost(const policy::Policy& policy, firewall::Firewall* nft,
                              const std::map<std::string, firewall::ZoneFragment>& pinned) {
  PolicyCheck check;
  const std::string& dir = policy.daemon.zones_dir;
  std::set<std::string> seen_zones;  // by zone file, each checked with nft once
  std::vector<firewall::ZoneFragment> to_check;
  auto take = [&](const std::string& owner, const std::string& zone_name, const policy::SourcePos& pos,
                  Result<firewall::ZoneFragment> zone) {
    if (!zone) {
      if (ZoneFileMissing(dir, zone_name))
        check.errors.push_back(At(policy, pos) + "zone '" + zone_name + "' of " + owner + " does not exist: no " +
                               dir + "/" + zone_name + ".nft (zones here: " + JoinNames(firewall::AvailableZones(dir)) +
                               ")");
      else
        for (size_t start = 0; start < zone.message().size();) {  // the zone file's own errors, one per line
          const size_t end = zone.message().find('\n', start);
          check.errors.push_back(zone.message().substr(start, end - start));
          start = end == std::string::npos ? zone.message().size() : end + 1;
        }
      return;
    }
    if (nft && seen_zones.insert(zone->path + "|" + zone->name).second) to_check.push_back(*zone);
    check.zones[owner] = std::move(*zone);
  };
  for (const auto& bridge : policy.bridges)
    take(bridge.name, bridge.zone, bridge.zone_pos, ZoneOf(bridge, dir, pinned));
  for (const auto& interface : policy.interfaces)
    take(interface.name, interface.zone, interface.zone_pos, firewall::LoadZone(dir, interface.zone));
  if (nft) {
    std::vector<const firewall::ZoneFragment*> zones;
    for (const auto& zone : to_check) zones.push_back(&zone);
    for (auto& error : firewall::CheckZonesWithNft(*nft, zones)) check.errors.push_back(std::move(error));
  }
  // "root" is the default and always there; anything else must be a group here, or the
  // control socket could be handed to nobody (or fail to be made at all).
  if (!GroupExists(policy.daemon.control_group))
    check.errors.push_back(At(policy, policy.daemon.control_group_pos) + "control_group '" +
                           policy.daemon.control_group + "' is not a group on this host (getent group " +
                           policy.daemon.control_group + " finds nothing)");
  return check;
}

std::vector<std::string> PolicyWarnings(const policy::Policy& policy, const std::vector<core::LinkInfo>& links) {
  std::vector<std::string> warnings;
  using Kind = policy::NicSelector::Kind;
  auto matches_none = [&](const policy::NicSelector& selector) {
    return std::none_of(links.begin(), links.end(), [&](const core::LinkInfo& link) {
      return !link.is_bridge() && core::MatchesSelector(selector, link);
    });
  };
  auto check = [&](const policy::NicSelector& selector, const std::string& what) {
    if ((selector.kind == Kind::kMac || selector.kind == Kind::kPath) && matches_none(selector))
      warnings.push_back(At(policy, selector.pos) + "warning: " + what + " " + policy::ToString(selector.kind) +
                         " " + selector.pattern + " matches no NIC on this host now (a typo, or a NIC not plugged in?)");
  };
  for (const auto& bridge : policy.bridges)
    for (const auto& port : bridge.ports) check(port, "port of " + bridge.name + ":");
  for (const auto& selector : policy.nics.exclude) check(selector, "exclude:");
  // failoverd's table drops every PREFIX* interface: an excluded NIC still carrying such
  // a name (it was failoverd's before it was excluded) would be cut off by it.
  for (const auto& link : links) {
    if (link.is_bridge() || policy.nics.prefix.empty() || !link.name.starts_with(policy.nics.prefix)) continue;
    for (const auto& selector : policy.nics.exclude)
      if (core::MatchesSelector(selector, link)) {
        warnings.push_back(At(policy, selector.pos) + "warning: excluded NIC " + link.name + " carries a name in the "
                           "NIC prefix '" + policy.nics.prefix + "', whose traffic failoverd's firewall drops: "
                           "rename it (ip link set " + link.name + " name ...)");
        break;
      }
  }
  for (const auto& interface : policy.interfaces)
    if (std::none_of(links.begin(), links.end(), [&](const core::LinkInfo& link) { return link.name == interface.name; }))
      warnings.push_back(At(policy, interface.pos) + "warning: interface " + interface.name +
                         " does not exist on this host now; its zone applies once it does");
  return warnings;
}

std::string NameHeldProblem(const policy::Policy& policy, const policy::Bridge& bridge, const core::LinkInfo* holder) {
  if (!holder || holder->is_bridge() || core::IsManagedNic(policy.nics, *holder)) return "";
  const std::string kind = holder->kind.empty() ? "a device" : "a " + holder->kind + " device";
  return At(policy, bridge.pos) + "bridge name " + bridge.name + " is held by " + kind + " failoverd does not manage " +
         "(ifindex " + std::to_string(holder->ifindex) + "): the kernel cannot make a bridge of that name; rename " +
         "the bridge, or that device";
}

}  // namespace failoverd
