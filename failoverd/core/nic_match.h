// Which links are managed NICs, and which NICs a port selector picks out.
// Pure functions over LinkInfo and the policy's selectors.
#pragma once

#include "failoverd/core/link.h"
#include "policy/policy.h"

namespace failoverd::core {

// True when `link` matches the selector (MAC, path/driver/name glob, physical, kind).
bool MatchesSelector(const policy::NicSelector& selector, const LinkInfo& link);

// True when failoverd manages `link` as a NIC: matched by [nics] include, not by
// exclude, and never a bridge or the loopback device.
bool IsManagedNic(const policy::NicSettings& nics, const LinkInfo& link);

// Index of the first selector in `ports` that matches `link`, or -1.
int PreferenceIndex(const std::vector<policy::NicSelector>& ports, const LinkInfo& link);

}  // namespace failoverd::core
