// The MAC address rule of a bridge (SPEC §3 `mac`). Pure.
#pragma once

#include <optional>
#include <string>

#include "failoverd/common/net_types.h"

namespace failoverd::core {

// A locally administered unicast MAC that depends only on the machine id and the
// bridge name, so a bridge keeps its MAC across reboots, NIC swaps and reinstalls
// of failoverd. 64-bit FNV-1a over "failoverd-bridge\0<machine-id>\0<name>".
MacAddress StableBridgeMac(const std::string& machine_id, const std::string& bridge_name);

}  // namespace failoverd::core
