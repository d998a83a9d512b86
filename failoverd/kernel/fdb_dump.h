// Reading a bridge's forwarding database (RTM_GETNEIGH, AF_BRIDGE): which MACs
// the bridge has learned behind which port. Announce uses it to tell upstream
// switches about every guest/container behind the bridge after a port change.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

struct nlmsghdr;

namespace failoverd::kernel {

class NetlinkRequester;

struct FdbEntry {
  MacAddress mac;
  int port_ifindex = 0;    // the device the MAC lives behind
  int master_ifindex = 0;  // the bridge (NDA_MASTER), 0 for a device's own address list
  uint16_t state = 0;      // NUD_*: PERMANENT = local address of the bridge/port, NOARP = static
  uint8_t flags = 0;       // NTF_*
  uint16_t vlan = 0;       // NDA_VLAN, 0 if none
};

std::optional<FdbEntry> ParseFdbMessage(const nlmsghdr* nlh);

// The FDB entries whose master is `bridge_ifindex`.
Result<std::vector<FdbEntry>> DumpBridgeFdb(NetlinkRequester& rtnl, int bridge_ifindex);

// The distinct unicast MACs that live behind the bridge on a port other than
// `port_ifindex`: learned or static entries, not the bridge's and ports' own
// (local, NUD_PERMANENT) addresses. In FDB order, each once.
std::vector<MacAddress> MacsBehindBridge(const std::vector<FdbEntry>& fdb, int bridge_ifindex,
                                         int port_ifindex);

}  // namespace failoverd::kernel
