#include "failoverd/frames/ipv6_nd_frames.h"

#include <algorithm>
#include <array>

#include "failoverd/frames/byte_reader.h"
#include "failoverd/frames/ethernet.h"
#include "failoverd/frames/frame_writer.h"
#include "failoverd/frames/inet_checksum.h"

namespace failoverd::frames {

namespace {

constexpr uint8_t kIpProtoIcmpv6 = 58;
// Neighbour discovery messages are sent with hop limit 255; a receiver drops
// any with less, because that one was forwarded by a router (RFC 4861 6.1.2).
constexpr uint8_t kNdHopLimit = 255;
constexpr uint8_t kIcmpv6RouterSolicitation = 133;
constexpr uint8_t kIcmpv6RouterAdvert = 134;
constexpr size_t kRouterAdvertFixedLength = 16;  // type .. retrans timer
constexpr uint8_t kNdOptionPrefixInformation = 3;
constexpr uint8_t kPrefixInformationUnits = 4;  // 32 bytes

constexpr std::array<uint8_t, 16> kUnspecifiedIpv6{};
constexpr std::array<uint8_t, 16> kAllRoutersIpv6{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                  0,    0,    0, 0, 0, 0, 0, 2};

IpAddress Ipv6FromBytes(std::span<const uint8_t> bytes) {
  IpAddress ip;
  ip.family = IpFamily::kV6;
  std::copy(bytes.begin(), bytes.begin() + 16, ip.bytes.begin());
  return ip;
}

// Clears the bits of `ip` past `length`.
IpAddress MaskedTo(IpAddress ip, int length) {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(length - i * 8, 0, 8);
    ip.bytes[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  return ip;
}

}  // namespace

std::vector<uint8_t> BuildRouterSolicitation(const MacAddress& src) {
  constexpr uint16_t kIcmpLength = 8;  // type, code, checksum, reserved
  FrameWriter w;
  w.Ethernet(kIpv6AllRoutersMac, src, kEtherTypeIpv6);
  w.U32(0x60000000);  // version 6, traffic class 0, flow label 0
  w.U16(kIcmpLength);
  w.U8(kIpProtoIcmpv6);
  w.U8(kNdHopLimit);
  w.Bytes(kUnspecifiedIpv6);
  w.Bytes(kAllRoutersIpv6);
  const size_t icmp_at = w.size();
  w.U8(kIcmpv6RouterSolicitation);
  w.U8(0);   // code
  w.U16(0);  // checksum, filled in below
  w.U32(0);  // reserved
  const auto icmp = std::span<const uint8_t>(w.bytes()).subspan(icmp_at);
  w.PatchU16(icmp_at + 2, Icmpv6Checksum(kUnspecifiedIpv6, kAllRoutersIpv6, icmp));
  return w.Take(kMinFrameLength);
}

Result<core::RouterAdvert> DecodeRouterAdvert(std::span<const uint8_t> frame) {
  auto ethernet = ParseEthernet(frame, /*allow_vlan_tag=*/false);
  if (!ethernet.ok()) return ethernet.status();
  if (ethernet->ethertype != kEtherTypeIpv6) return Status::Error("not an IPv6 ethertype");

  ByteReader ip(frame.subspan(ethernet->payload_offset));
  auto version_class_flow = ip.U32();
  auto payload_length = ip.U16();
  auto next_header = ip.U8();
  auto hop_limit = ip.U8();
  auto src = ip.Bytes(16);
  auto dst = ip.Bytes(16);
  if (!version_class_flow || !payload_length || !next_header || !hop_limit || !src || !dst)
    return Status::Error("truncated IPv6 header");
  if (*version_class_flow >> 28 != 6) return Status::Error("IP version is not 6");
  if (*next_header != kIpProtoIcmpv6)
    return Status::Error("IPv6 next header " + std::to_string(*next_header) + ", not ICMPv6");
  if (*hop_limit != kNdHopLimit)
    return Status::Error("hop limit " + std::to_string(*hop_limit) + ", not 255");
  // Anything after the payload is Ethernet padding.
  auto payload = ip.Bytes(*payload_length);
  if (!payload)
    return Status::Error("IPv6 payload length " + std::to_string(*payload_length) +
                         " overruns the frame");

  core::RouterAdvert advert;
  advert.router_mac = ethernet->src;
  advert.router = Ipv6FromBytes(*src);
  // A router advertisement comes from the router's link-local address (6.1.2).
  if (advert.router.bytes[0] != 0xfe || (advert.router.bytes[1] & 0xc0) != 0x80)
    return Status::Error("RA source " + advert.router.ToString() + " is not link-local");

  ByteReader icmp(*payload);
  auto type = icmp.U8();
  auto code = icmp.U8();
  if (!type || !code) return Status::Error("truncated ICMPv6 header");
  if (*type != kIcmpv6RouterAdvert)
    return Status::Error("ICMPv6 type " + std::to_string(*type) + ", not a router advertisement");
  if (*code != 0) return Status::Error("RA with ICMPv6 code " + std::to_string(*code));
  if (payload->size() < kRouterAdvertFixedLength) return Status::Error("truncated RA");
  std::array<uint8_t, 16> src_bytes{}, dst_bytes{};
  std::copy(src->begin(), src->end(), src_bytes.begin());
  std::copy(dst->begin(), dst->end(), dst_bytes.begin());
  if (Icmpv6Checksum(src_bytes, dst_bytes, *payload) != 0)
    return Status::Error("bad ICMPv6 checksum");

  ByteReader options(payload->subspan(kRouterAdvertFixedLength));
  while (!options.empty()) {
    auto option_type = options.U8();
    auto units = options.U8();
    if (!option_type || !units) return Status::Error("truncated ND option header");
    // The length counts 8-byte units including the 2-byte header; 0 would loop forever.
    if (*units == 0)
      return Status::Error("ND option " + std::to_string(*option_type) + " of length 0");
    auto body = options.Bytes(size_t{*units} * 8 - 2);
    if (!body)
      return Status::Error("ND option " + std::to_string(*option_type) + " overruns the RA");
    if (*option_type != kNdOptionPrefixInformation) continue;
    if (*units != kPrefixInformationUnits)
      return Status::Error("prefix information option of length " + std::to_string(*units));
    // prefix length, flags, valid lifetime, preferred lifetime, reserved, prefix.
    const int length = (*body)[0];
    if (length > 128) return Status::Error("prefix length " + std::to_string(length));
    const IpAddress prefix = MaskedTo(Ipv6FromBytes(body->subspan(14, 16)), length);
    advert.prefixes.push_back(IpPrefix{prefix, length});
  }
  return advert;
}

}  // namespace failoverd::frames
