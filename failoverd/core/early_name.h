// The name udev gives a NIC the moment it appears, before failoverd runs (through
// failoverd-udev-name, 81-failoverd.rules). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/core/link.h"
#include "policy/policy.h"

namespace failoverd::core {

// The NIC's remembered hwethN, if failoverd manages it and has named it before.
std::optional<std::string> EarlyName(const policy::NicSettings& nics,
                                     const std::map<MacAddress, std::string>& remembered,
                                     const LinkInfo& link);

// The name for a managed NIC that appears, handing out a new one when it has none:
// its remembered name; else, as the daemon's NameAllocator would, a free prefixN it
// already carries, else the lowest free prefixN. Free means remembered for no other
// NIC, carried by no other link in `links` (managed or not — a link the kernel named
// hweth1 holds hweth1 until it is renamed), and no bridge's name. `links` is every
// link of the namespace; `link` itself may be among them (matched by ifindex).
// nullopt when failoverd does not manage the NIC. The caller holds the state lock
// from reading `remembered` until the answer is recorded, so no two callers can be
// handed the same name.
std::optional<std::string> EarlyNameOrNew(const policy::Policy& policy,
                                          const std::map<MacAddress, std::string>& remembered,
                                          const std::vector<LinkInfo>& links, const LinkInfo& link);

}  // namespace failoverd::core
