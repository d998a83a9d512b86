// DiffPolicy: what a reload or an apply changes, from the running policy to the next
// one. It says which bridges go, which come, whose zone is installed again, whose
// addresses and gateway are swapped, which are updated in place, and one line per
// change for the administrator; the daemon turns that into progress the plan then
// carries out. What a bridge's zone will be is the firewall's business, so the
// caller says which zones differ from the installed ones. Pure.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "policy/policy.h"

namespace failoverd::core {

// The addresses and gateway a bridge kept that the next policy no longer has.
struct StaleL3 {
  std::vector<IpPrefix> addresses;
  std::optional<IpAddress> gateway;
};

struct PolicyDiff {
  std::vector<std::string> retired;       // bridges no longer in the policy: released, deleted with their zone
  std::vector<std::string> added;         // bridges new in the policy
  std::set<std::string> rezoned;          // existing bridges whose zone is installed again
  std::map<std::string, StaleL3> readdressed;  // existing bridges whose addresses or gateway change
  std::set<std::string> updated;          // existing bridges whose MAC, STP or forward delay change
  std::vector<std::string> changes;       // one line a person reads per change, in policy order
  std::vector<std::string> needs_restart;  // [daemon] keys that take effect only at the next start
};

// `zone_changed(bridge)`: whether the zone `bridge` gets from `next` differs from the
// one installed now (asked only for bridges in both policies).
PolicyDiff DiffPolicy(const policy::Policy& old, const policy::Policy& next,
                      const std::function<bool(const std::string&)>& zone_changed);

}  // namespace failoverd::core
