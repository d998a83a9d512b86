#include "failoverd/kernel/announce_frames.h"

#include <array>
#include <span>

#include "failoverd/frames/frame_writer.h"
#include "failoverd/frames/inet_checksum.h"

namespace failoverd::kernel {

namespace {

using frames::FrameWriter;

constexpr uint16_t kArpHardwareEthernet = 1;
constexpr uint16_t kArpOpRequest = 1;
constexpr uint16_t kRarpOpRequestReverse = 3;
constexpr uint8_t kIpProtoIcmpv6 = 58;
constexpr uint8_t kIcmpv6NeighborAdvert = 136;
constexpr uint8_t kNdOptionTargetLinkLayer = 2;
constexpr uint32_t kNaFlagOverride = 0x20000000;
constexpr uint8_t kNdHopLimit = 255;  // receivers drop ND messages that crossed a router

constexpr MacAddress kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
constexpr MacAddress kAllNodesMac{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
constexpr std::array<uint8_t, 16> kAllNodesIpv6{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                0,    0,    0, 0, 0, 0, 0, 1};

// The ARP/RARP body for Ethernet + IPv4 addresses.
void ArpBody(FrameWriter& w, uint16_t op, const MacAddress& sender_mac,
             const std::array<uint8_t, 16>& sender_ip, const MacAddress& target_mac,
             const std::array<uint8_t, 16>& target_ip) {
  w.U16(kArpHardwareEthernet);
  w.U16(kEtherTypeIpv4);
  w.U8(6);  // hardware address length
  w.U8(4);  // protocol address length
  w.U16(op);
  w.Bytes(sender_mac.bytes);
  w.Bytes(sender_ip, 4);
  w.Bytes(target_mac.bytes);
  w.Bytes(target_ip, 4);
}

}  // namespace

Frame BuildGratuitousArp(const MacAddress& mac, const IpAddress& ipv4) {
  FrameWriter w;
  w.Ethernet(kBroadcastMac, mac, kEtherTypeArp);
  ArpBody(w, kArpOpRequest, mac, ipv4.bytes, MacAddress{}, ipv4.bytes);
  return w.Take(kMinFrameLength);
}

Frame BuildUnsolicitedNeighborAdvert(const MacAddress& mac, const IpAddress& ipv6) {
  constexpr uint16_t kIcmpLength = 4 + 4 + 16 + 8;  // header, flags, target, TLLA option
  FrameWriter w;
  w.Ethernet(kAllNodesMac, mac, kEtherTypeIpv6);
  // IPv6 header: version 6, traffic class 0, flow label 0.
  w.U32(0x60000000);
  w.U16(kIcmpLength);
  w.U8(kIpProtoIcmpv6);
  w.U8(kNdHopLimit);
  w.Bytes(ipv6.bytes);
  w.Bytes(kAllNodesIpv6);
  // ICMPv6 neighbour advertisement.
  const size_t icmp_at = w.size();
  w.U8(kIcmpv6NeighborAdvert);
  w.U8(0);   // code
  w.U16(0);  // checksum, filled in below
  w.U32(kNaFlagOverride);
  w.Bytes(ipv6.bytes);
  w.U8(kNdOptionTargetLinkLayer);
  w.U8(1);  // option length in units of 8 bytes
  w.Bytes(mac.bytes);
  const auto icmp = std::span<const uint8_t>(w.bytes()).subspan(icmp_at, kIcmpLength);
  w.PatchU16(icmp_at + 2, frames::Icmpv6Checksum(ipv6.bytes, kAllNodesIpv6, icmp));
  return w.Take();
}

Frame BuildRarpAnnounce(const MacAddress& mac) {
  FrameWriter w;
  w.Ethernet(kBroadcastMac, mac, kEtherTypeRarp);
  const std::array<uint8_t, 16> zero_ip{};
  ArpBody(w, kRarpOpRequestReverse, mac, zero_ip, mac, zero_ip);
  return w.Take(kMinFrameLength);
}

}  // namespace failoverd::kernel
