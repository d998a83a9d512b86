// The Ethernet frames failoverd sends to make upstream switches and neighbours
// relearn where an address lives after a port change. Pure functions: bytes in,
// bytes out, no socket, so they are tested byte for byte.
#pragma once

#include <cstdint>
#include <vector>

#include "failoverd/common/net_types.h"

namespace failoverd::kernel {

using Frame = std::vector<uint8_t>;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeRarp = 0x8035;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
// Ethernet minimum frame length without the FCS; shorter frames are padded.
inline constexpr size_t kMinFrameLength = 60;

// Gratuitous ARP request (RFC 5227 "ARP announcement"): broadcast, sender and
// target protocol address both `ipv4`, sender hardware address `mac`, target
// hardware address zero. Padded to 60 bytes.
Frame BuildGratuitousArp(const MacAddress& mac, const IpAddress& ipv4);

// Unsolicited neighbour advertisement (RFC 4861 7.2.6) for `ipv6` to all nodes
// (33:33:00:00:00:01, ff02::1), hop limit 255, Override set, Solicited and
// Router clear, with a Target Link-Layer Address option carrying `mac`.
Frame BuildUnsolicitedNeighborAdvert(const MacAddress& mac, const IpAddress& ipv6);

// The RARP "reverse request" frame QEMU and libvirt send after a live migration
// (ethertype 0x8035, sender = target hardware address = `mac`, protocol
// addresses zero): no host answers it, but every switch on the way learns `mac`.
// Padded to 60 bytes.
Frame BuildRarpAnnounce(const MacAddress& mac);

}  // namespace failoverd::kernel
