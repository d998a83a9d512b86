// The guard of `apply` and `reload` (issues 7 and 14): a policy that would delete
// every bridge or leave none with a usable NIC, leave the bridge carrying the default
// route without one, or firewall off the caller's own session, is refused unless
// forced (`--force`; a SIGHUP never forces). Pure: the daemon gathers the facts
// (which bridges carry a default route, which one the session arrives on) and decides
// under both policies; these functions compare.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/core/decision.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

// The caller's SSH session, from SSH_CONNECTION: the local address and port it
// arrived on and, when known, the client's address.
struct CallerSession {
  IpAddress local;
  std::optional<IpAddress> peer;
  int port = 22;
};

// What `apply` / `reload` asked for besides the policy.
struct PolicyGuardRequest {
  bool force = false;
  std::optional<CallerSession> session;
};

struct PolicyGuardFacts {
  // Bridges carrying a default route now, each with the phrase saying so
  // ("eth0 carries the default route (via 192.0.2.1)", core::IsolateHazards).
  std::map<std::string, std::string> default_route_bridges;
  std::string routes_unknown;   // why the routes could not be read; "" when they were
  std::string session_bridge;   // the bridge holding the session's local address; "" if none
};

// Why going from `now` to `next` could cut the host or the caller off; empty when it
// would not. `decided_now` / `decided_next`: Decide on this host under each policy;
// `next_zones`: the zone each bridge of `next` would get.
std::vector<std::string> PolicyHazards(const policy::Policy& now, const policy::Policy& next,
                                       const core::Decision& decided_now, const core::Decision& decided_next,
                                       const PolicyGuardFacts& facts,
                                       const std::map<std::string, firewall::ZoneFragment>& next_zones,
                                       const std::optional<CallerSession>& session);

// The refusal: every hazard, then how to go ahead anyway (`apply --force FILE`, or
// `reload --force` for a reload).
std::string PolicyRefusal(const std::vector<std::string>& hazards, const std::string& file, bool reload = false);

}  // namespace failoverd
