// Rules that involve several bridges (or a bridge and [nics]). Each problem is
// reported at the later occurrence and names the earlier one, so the
// administrator sees both places.
#include <map>

#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

bool SameSelector(const NicSelector& a, const NicSelector& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == NicSelector::Kind::kMac)
    return MacAddress::Parse(a.pattern) == MacAddress::Parse(b.pattern);
  return a.pattern == b.pattern;
}

std::string Describe(const Bridge& bridge) {
  if (!bridge.name.empty()) return "bridge '" + bridge.name + "'";
  return "the [[bridge]] at line " + std::to_string(bridge.pos.line);
}

void CheckNames(const std::vector<ParsedBridge>& bridges, std::string_view nic_prefix,
                Diagnostics& diag) {
  std::map<std::string, SourcePos, std::less<>> first_use;
  for (const ParsedBridge& parsed : bridges) {
    const std::string& name = parsed.bridge.name;
    if (name.empty()) continue;  // missing or invalid: already reported
    const SourcePos pos = parsed.seen.Find("name")->pos;
    // The daemon renames NICs PREFIX<N>; a bridge in that name space could be
    // taken for a NIC (or collide with one).
    if (!nic_prefix.empty() && name.starts_with(nic_prefix))
      diag.Add(pos, "bridge name '" + name + "' starts with the NIC prefix '" +
                        std::string(nic_prefix) + "'");
    const auto [it, inserted] = first_use.emplace(name, pos);
    if (!inserted)
      diag.Add(pos, "bridge name '" + name + "' is already used at line " +
                        std::to_string(it->second.line));
  }
}

// Two bridges preferring the same NIC would fight over it at every event.
void CheckPorts(const std::vector<ParsedBridge>& bridges, Diagnostics& diag) {
  struct Claim {
    const NicSelector* selector;
    const Bridge* bridge;
  };
  std::vector<Claim> claims;
  for (const ParsedBridge& parsed : bridges) {
    for (const NicSelector& port : parsed.bridge.ports) {
      const Claim* earlier = nullptr;
      for (const Claim& claim : claims)
        if (SameSelector(*claim.selector, port)) {
          earlier = &claim;
          break;
        }
      if (earlier) {
        diag.Add(port.pos, std::string("port { ") + ToString(port.kind) + " = \"" + port.pattern +
                               "\" } is already preferred by " + Describe(*earlier->bridge));
      } else {
        claims.push_back({&port, &parsed.bridge});
      }
    }
  }
}

}  // namespace

void CheckAcrossBridges(const std::vector<ParsedBridge>& bridges, std::string_view nic_prefix,
                        Diagnostics& diag) {
  CheckNames(bridges, nic_prefix, diag);
  CheckPorts(bridges, diag);
}

}  // namespace failoverd::policy::detail
