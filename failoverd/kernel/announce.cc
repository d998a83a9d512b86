#include "failoverd/kernel/announce.h"

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/announce_frames.h"
#include "failoverd/kernel/fdb_dump.h"
#include "failoverd/kernel/kernel_log.h"

namespace failoverd::kernel {

PacketSender::~PacketSender() {
  if (fd_ >= 0) close(fd_);
}

Status PacketSender::Open() {
  if (fd_ >= 0) return Status::Ok();
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Error(std::string("packet socket: ") + std::strerror(errno));
  return Status::Ok();
}

int PacketSender::Send(int ifindex, const std::vector<uint8_t>& frame) {
  if (fd_ < 0) return -EBADF;
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_ifindex = ifindex;
  const ssize_t sent =
      sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  if (sent < 0) return -errno;
  if (static_cast<size_t>(sent) != frame.size()) return -EMSGSIZE;
  return 0;
}

Result<AnnounceCounts> AnnounceBridge(NetlinkRequester& rtnl, PacketSender& sender, const core::LinkInfo& port,
                                      const core::LinkInfo& bridge) {
  const std::string what = port.name + ": announce " + bridge.name;
  auto addresses = DumpAddresses(rtnl, bridge.ifindex);
  if (!addresses.ok()) return Status::Error(what + ": " + addresses.message());
  auto fdb = DumpBridgeFdb(rtnl, bridge.ifindex);
  if (!fdb.ok()) return Status::Error(what + ": " + fdb.message());

  std::vector<Frame> frames;
  AnnounceCounts counts;
  for (const KernelAddress& address : addresses.value()) {
    // A tentative IPv6 address is not ours yet (DAD may still find a duplicate);
    // one that failed DAD belongs to someone else.
    if (address.tentative()) continue;
    if (address.prefix.address.family == IpFamily::kV4) {
      frames.push_back(BuildGratuitousArp(bridge.mac, address.prefix.address));
      ++counts.arp;
    } else {
      frames.push_back(BuildUnsolicitedNeighborAdvert(bridge.mac, address.prefix.address));
      ++counts.na;
    }
  }
  std::vector<MacAddress> macs = MacsBehindBridge(fdb.value(), bridge.ifindex, port.ifindex);
  // A bridge without addresses still has a MAC the switch should find on the new port.
  if (counts.arp == 0 && counts.na == 0) macs.insert(macs.begin(), bridge.mac);
  for (const MacAddress& mac : macs) {
    frames.push_back(BuildRarpAnnounce(mac));
    ++counts.rarp;
  }

  if (Status opened = sender.Open(); !opened) return Status::Error(what + ": " + opened.message());
  for (const Frame& frame : frames) {
    if (int err = sender.Send(port.ifindex, frame); err < 0)
      return Status::Error(what + ": send: " + std::strerror(-err));
  }
  ComponentLogger(kNetlinkLogger)
      ->info("{}: announced {} ({}): {} gratuitous ARP, {} neighbour advertisement, {} MAC",
             port.name, bridge.name, bridge.mac.ToString(), counts.arp, counts.na, counts.rarp);
  return counts;
}

}  // namespace failoverd::kernel
