#include "failoverd/frames/arp_frames.h"

#include <algorithm>

#include "failoverd/frames/byte_reader.h"
#include "failoverd/frames/ethernet.h"
#include "failoverd/frames/frame_writer.h"

namespace failoverd::frames {

namespace {

constexpr uint16_t kArpHardwareEthernet = 1;

IpAddress Ipv4FromBytes(std::span<const uint8_t> bytes) {
  IpAddress ip;
  ip.family = IpFamily::kV4;
  std::copy(bytes.begin(), bytes.begin() + 4, ip.bytes.begin());
  return ip;
}

bool IsUnspecifiedIpv4(const IpAddress& ip) {
  return ip.bytes[0] == 0 && ip.bytes[1] == 0 && ip.bytes[2] == 0 && ip.bytes[3] == 0;
}

}  // namespace

std::vector<uint8_t> BuildArpProbe(const MacAddress& src, const IpAddress& target) {
  FrameWriter w;
  w.Ethernet(kBroadcastMac, src, kEtherTypeArp);
  w.U16(kArpHardwareEthernet);
  w.U16(kEtherTypeIpv4);
  w.U8(6);  // hardware address length
  w.U8(4);  // protocol address length
  w.U16(kArpOpRequest);
  w.Bytes(src.bytes);
  w.U32(0);  // sender IP: unspecified, the RFC 5227 probe
  w.Bytes(MacAddress{}.bytes);
  w.Bytes(target.bytes, 4);
  return w.Take(kMinFrameLength);
}

Result<ArpPacket> ParseArp(std::span<const uint8_t> frame) {
  auto ethernet = ParseEthernet(frame, /*allow_vlan_tag=*/false);
  if (!ethernet.ok()) return ethernet.status();
  if (ethernet->ethertype != kEtherTypeArp) return Status::Error("not an ARP ethertype");
  ByteReader r(frame.subspan(ethernet->payload_offset));
  auto htype = r.U16();
  auto ptype = r.U16();
  auto hlen = r.U8();
  auto plen = r.U8();
  auto op = r.U16();
  if (!htype || !ptype || !hlen || !plen || !op) return Status::Error("truncated ARP header");
  if (*htype != kArpHardwareEthernet || *hlen != 6)
    return Status::Error("ARP hardware type " + std::to_string(*htype) + "/" +
                         std::to_string(*hlen) + ", not Ethernet");
  if (*ptype != kEtherTypeIpv4 || *plen != 4)
    return Status::Error("ARP protocol type " + std::to_string(*ptype) + "/" +
                         std::to_string(*plen) + ", not IPv4");
  if (*op != kArpOpRequest && *op != kArpOpReply)
    return Status::Error("ARP opcode " + std::to_string(*op));
  auto sha = r.Bytes(6);
  auto spa = r.Bytes(4);
  auto tha = r.Bytes(6);
  auto tpa = r.Bytes(4);
  if (!sha || !spa || !tha || !tpa) return Status::Error("truncated ARP addresses");
  ArpPacket packet;
  packet.eth_dst = ethernet->dst;
  packet.eth_src = ethernet->src;
  packet.op = *op;
  packet.sender_mac = MacFromBytes(sha->first<6>());
  packet.sender_ip = Ipv4FromBytes(*spa);
  packet.target_mac = MacFromBytes(tha->first<6>());
  packet.target_ip = Ipv4FromBytes(*tpa);
  return packet;
}

std::optional<core::ArpAnswer> ArpAnswerFrom(const ArpPacket& packet, const MacAddress& our_mac) {
  if (packet.eth_dst != our_mac && packet.eth_dst != kBroadcastMac) return std::nullopt;
  if (packet.sender_mac == our_mac || packet.eth_src == our_mac) return std::nullopt;
  if (IsUnspecifiedIpv4(packet.sender_ip)) return std::nullopt;
  if (packet.sender_mac.IsZero() || packet.sender_mac.IsMulticast()) return std::nullopt;
  return core::ArpAnswer{packet.sender_ip, packet.sender_mac};
}

Result<core::ArpAnswer> DecodeArpReply(std::span<const uint8_t> frame, const MacAddress& our_mac) {
  auto packet = ParseArp(frame);
  if (!packet.ok()) return packet.status();
  auto answer = ArpAnswerFrom(*packet, our_mac);
  if (!answer) {
    return Status::Error("ARP from " + packet->sender_mac.ToString() + " (" +
                         packet->sender_ip.ToString() + ") is not an answer to " +
                         our_mac.ToString());
  }
  return *answer;
}

}  // namespace failoverd::frames
