// Live NICs: a managed NIC that is not yet in failoverd's hands and carries someone
// else's configuration (a global address, a default or static route) is how the
// host is reached now. failoverd leaves it alone — not renamed, stripped or
// firewalled — unless a conversion (`failoverd --migrate`, with its confirm window)
// takes it over. Judged at start, at reload and when a NIC appears; the verdict
// stands for the NIC's lifetime until the next reload or restart. Pure.
#pragma once

#include <map>
#include <set>
#include <string>

#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/observed.h"
#include "policy/policy.h"

namespace failoverd::core {

// Whether failoverd already has `link`: it carries a service name (PREFIX + digits)
// or is a port of one of the policy's bridges that failoverd made. Such a NIC is never judged live (an
// address on it is failoverd's to strip).
bool InFailoverdsHands(const policy::Policy& policy, const ObservedState& observed, const LinkInfo& link);

// The NICs among `candidates` to leave alone, with the reason shown in status:
// managed by [nics], not in failoverd's hands, not being converted, and carrying a
// LiveConfig in `configs` or a port of a bridge with a policy bridge's name that
// failoverd did not make.
std::map<int, std::string> JudgeLiveNics(const policy::Policy& policy, const ObservedState& observed,
                                         const std::map<int, LiveConfig>& configs, const std::set<int>& candidates,
                                         const std::set<int>& converting);

// "left alone: carries 192.0.2.10/24 and the default route via 192.0.2.1; add a bridge
// named eth0 to the policy and run `failoverd --migrate` to convert it".
std::string LeftAloneReason(const std::string& name, const LiveConfig& config);

}  // namespace failoverd::core
