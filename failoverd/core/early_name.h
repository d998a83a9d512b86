// The name udev gives a NIC the moment it appears, before failoverd runs: its
// remembered hwethN, if failoverd manages it and has named it before. A NIC never
// seen keeps the kernel's name until the daemon allocates one (allocation needs
// the whole picture, which only the daemon has). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "failoverd/core/link.h"
#include "policy/policy.h"

namespace failoverd::core {

std::optional<std::string> EarlyName(const policy::NicSettings& nics,
                                     const std::map<MacAddress, std::string>& remembered,
                                     const LinkInfo& link);

}  // namespace failoverd::core
