// Announce: after a port change, tells the network where a bridge's addresses
// and MACs now are, by sending out of the new port (bypassing the bridge) a
// gratuitous ARP per IPv4 address, an unsolicited neighbour advertisement per
// IPv6 address, and a RARP frame from every MAC learned behind the bridge on
// another port. Called by RtnlOps::Announce.
#pragma once

#include "failoverd/common/status.h"
#include "failoverd/core/link.h"

namespace failoverd::kernel {

class NetlinkRequester;

// What one announcement sent, for the log and the kernel check.
struct AnnounceCounts {
  int arp = 0;
  int na = 0;
  int rarp = 0;
};

// `port` is the link the frames leave by, `bridge` the bridge whose addresses
// and FDB are announced. Fails if the addresses or FDB cannot be read or a
// frame cannot be sent (for instance because the port is down).
Result<AnnounceCounts> AnnounceBridge(NetlinkRequester& rtnl, const core::LinkInfo& port,
                                      const core::LinkInfo& bridge);

}  // namespace failoverd::kernel
