#include "failoverd/kernel/announce_frames.h"

#include <array>
#include <cstddef>
#include <utility>

namespace failoverd::kernel {

namespace {

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

// Appends big-endian values and byte ranges to a frame under construction.
class FrameWriter {
 public:
  void U8(uint8_t v) { frame_.push_back(v); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v >> 8));
    U8(static_cast<uint8_t>(v & 0xff));
  }
  void U32(uint32_t v) {
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v & 0xffff));
  }
  template <size_t N>
  void Bytes(const std::array<uint8_t, N>& bytes, size_t count = N) {
    frame_.insert(frame_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(count));
  }
  void Ethernet(const MacAddress& dst, const MacAddress& src, uint16_t ethertype) {
    Bytes(dst.bytes);
    Bytes(src.bytes);
    U16(ethertype);
  }
  size_t size() const { return frame_.size(); }
  Frame Take(size_t min_length = 0) {
    if (frame_.size() < min_length) frame_.resize(min_length, 0);
    return std::move(frame_);
  }

 private:
  Frame frame_;
};

// RFC 1071: adds 16-bit big-endian words (an odd last byte padded with zero) to
// a running sum; Fold() then folds the carries back in.
uint32_t AddWords(uint32_t sum, const uint8_t* data, size_t length) {
  for (size_t i = 0; i + 1 < length; i += 2)
    sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (length % 2) sum += static_cast<uint32_t>(data[length - 1] << 8);
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The ICMPv6 checksum covers a pseudo-header (source, destination, upper-layer
// length, next header) followed by the ICMPv6 message with its checksum zero.
uint16_t Icmpv6Checksum(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                        const uint8_t* icmp, size_t length) {
  uint32_t sum = 0;
  sum = AddWords(sum, src.data(), src.size());
  sum = AddWords(sum, dst.data(), dst.size());
  sum += static_cast<uint32_t>(length >> 16) + static_cast<uint32_t>(length & 0xffff);
  sum += kIpProtoIcmpv6;
  sum = AddWords(sum, icmp, length);
  return static_cast<uint16_t>(~Fold(sum));
}

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
  Frame frame = w.Take();
  const uint16_t checksum =
      Icmpv6Checksum(ipv6.bytes, kAllNodesIpv6, frame.data() + icmp_at, kIcmpLength);
  frame[icmp_at + 2] = static_cast<uint8_t>(checksum >> 8);
  frame[icmp_at + 3] = static_cast<uint8_t>(checksum & 0xff);
  return frame;
}

Frame BuildRarpAnnounce(const MacAddress& mac) {
  FrameWriter w;
  w.Ethernet(kBroadcastMac, mac, kEtherTypeRarp);
  const std::array<uint8_t, 16> zero_ip{};
  ArpBody(w, kRarpOpRequestReverse, mac, zero_ip, mac, zero_ip);
  return w.Take(kMinFrameLength);
}

}  // namespace failoverd::kernel
