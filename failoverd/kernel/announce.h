// Announce: after a port change, tells the network where a bridge's addresses
// and MACs now are, by sending out of the new port (bypassing the bridge) a
// gratuitous ARP per IPv4 address, an unsolicited neighbour advertisement per
// IPv6 address, and a RARP frame from every MAC learned behind the bridge on
// another port. Called by RtnlOps::Announce.
#pragma once

#include <cstdint>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/core/link.h"

namespace failoverd::kernel {

class NetlinkRequester;

// One raw packet socket, opened once, that sends a frame out of any link exactly as
// built, whatever bridge the link belongs to (sendto with the link's ifindex).
// Protocol 0: it receives nothing. Kept open because closing a packet socket waits
// for an RCU grace period (8-16 ms measured), which would hold the event loop after
// every announcement.
class PacketSender {
 public:
  PacketSender() = default;
  ~PacketSender();
  PacketSender(const PacketSender&) = delete;
  PacketSender& operator=(const PacketSender&) = delete;

  Status Open();  // idempotent
  // Returns 0 or -errno.
  int Send(int ifindex, const std::vector<uint8_t>& frame);

 private:
  int fd_ = -1;
};

// What one announcement sent, for the log and the kernel check.
struct AnnounceCounts {
  int arp = 0;
  int na = 0;
  int rarp = 0;
};

// `port` is the link the frames leave by, `bridge` the bridge whose addresses
// and FDB are announced. Fails if the addresses or FDB cannot be read or a
// frame cannot be sent (for instance because the port is down).
Result<AnnounceCounts> AnnounceBridge(NetlinkRequester& rtnl, PacketSender& sender, const core::LinkInfo& port,
                                      const core::LinkInfo& bridge);

}  // namespace failoverd::kernel
