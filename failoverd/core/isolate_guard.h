// The guard of `failoverctl isolate` (issue 7): isolating the bridge that carries
// the default route, or the one the administrator's own session comes in through,
// can cut the host — and the administrator — off. Such an isolate is refused
// unless it is made to undo itself (`--confirm SECONDS`) or forced (`--force`).
// Pure: the daemon gathers the facts from the policy and the kernel and asks here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/core/kernel_ops.h"

namespace failoverd::core {

// What `failoverctl isolate` asked for, besides the bridge.
struct IsolateRequest {
  int confirm_seconds = 0;  // > 0: restored unless `failoverctl confirm` within this many seconds
  bool force = false;       // isolate even a guarded bridge, for good
  // The local address the caller's session arrived on (failoverctl reads it from
  // SSH_CONNECTION); none when the caller is not on a remote session.
  std::optional<IpAddress> session;
};

// What is known about one bridge when an isolate is asked for.
struct IsolateFacts {
  std::string bridge;
  std::vector<DefaultRoute> default_routes;  // the kernel's default-route next hops out of this bridge
  std::string routes_unknown;                // why the routes could not be read; "" when they were
  std::optional<IpAddress> policy_gateway;   // the policy's `gateway` for the bridge
  std::vector<IpPrefix> addresses;           // the bridge's addresses (the kernel's and the policy's)
  std::string addresses_unknown;             // why the kernel's could not be read; "" when they were
  std::optional<IpAddress> session;
};

// One reason isolating a bridge is dangerous.
struct IsolateHazard {
  enum class Kind {
    kDefaultRoute,  // the host's way out: cutting it may leave the host unreachable
    kSession,       // the caller's own session comes in through the bridge
  };
  Kind kind;
  std::string text;  // "eth0 carries the default route (via 192.0.2.1)"
};

// Why isolating the bridge is dangerous; empty when it is not guarded. A fact that
// could not be read counts as a hazard: the guard never assumes the safe answer.
std::vector<IsolateHazard> IsolateHazards(const IsolateFacts& facts);

enum class IsolateVerdict {
  kIsolate,                // until `failoverctl restore`
  kIsolateUntilConfirmed,  // restored at the deadline unless confirmed
  kRefuse,                 // guarded, and neither --confirm nor --force
};
IsolateVerdict JudgeIsolate(const std::vector<IsolateHazard>& hazards, const IsolateRequest& request);

// The refusal: every hazard, what could happen, and the two ways to go ahead.
std::string IsolateRefusal(const std::string& bridge, const std::vector<IsolateHazard>& hazards);

// The hazards as one phrase: "A; B".
std::string JoinHazards(const std::vector<IsolateHazard>& hazards);

}  // namespace failoverd::core
