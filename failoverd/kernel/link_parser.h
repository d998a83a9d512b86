// The one reader of rtnetlink link messages: turns an RTM_NEWLINK / RTM_DELLINK
// (from a dump or from an event) into the kernel part of a LinkInfo. Pure: no
// socket, no sysfs; device_info adds the rest. Used by RtnlOps and LinkMonitor.
#pragma once

#include <optional>

#include "failoverd/core/link.h"

struct nlmsghdr;

namespace failoverd::kernel {

// Returns nullopt for messages that are not a complete description of an
// interface: truncated messages, messages without a name, and the AF_BRIDGE
// flavour that the bridge sends about its ports (see the .cc).
std::optional<core::LinkInfo> ParseLinkMessage(const nlmsghdr* nlh);

}  // namespace failoverd::kernel
