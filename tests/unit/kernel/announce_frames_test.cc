// The announcement frames, byte for byte. Expected bytes are written out from
// the RFCs (826, 903, 4861, 2460) by hand; the ICMPv6 checksum is verified here
// with a separate one's-complement sum, not with the code under test, and
// compared with a value computed outside this code base.
#include "failoverd/kernel/announce_frames.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace failoverd::kernel {
namespace {

const MacAddress kMac = *MacAddress::Parse("02:00:00:00:00:09");

std::vector<uint8_t> Concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Independent check: the one's-complement sum of pseudo-header + ICMPv6 message
// (checksum included) must be 0xffff.
uint16_t OnesComplementSum(const std::vector<uint8_t>& data) {
  uint64_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) {
    const uint16_t word =
        static_cast<uint16_t>((data[i] << 8) | (i + 1 < data.size() ? data[i + 1] : 0));
    sum += word;
  }
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  return static_cast<uint16_t>(sum);
}

bool Icmpv6ChecksumValid(const Frame& frame) {
  const size_t ip = 14, icmp = 54;
  const size_t length = frame.size() - icmp;
  std::vector<uint8_t> pseudo(frame.begin() + ip + 8, frame.begin() + ip + 40);  // src, dst
  pseudo.push_back(static_cast<uint8_t>(length >> 24));
  pseudo.push_back(static_cast<uint8_t>(length >> 16));
  pseudo.push_back(static_cast<uint8_t>(length >> 8));
  pseudo.push_back(static_cast<uint8_t>(length));
  pseudo.insert(pseudo.end(), {0, 0, 0, 58});
  pseudo.insert(pseudo.end(), frame.begin() + icmp, frame.end());
  return OnesComplementSum(pseudo) == 0xffff;
}

TEST(AnnounceFramesTest, GratuitousArp) {
  const Frame frame = BuildGratuitousArp(kMac, *IpAddress::Parse("192.0.2.9"));
  const std::vector<uint8_t> expected = Concat({
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  // Ethernet destination: broadcast
      {0x02, 0x00, 0x00, 0x00, 0x00, 0x09},  // Ethernet source: bridge MAC
      {0x08, 0x06},                          // ARP
      {0x00, 0x01, 0x08, 0x00, 0x06, 0x04},  // Ethernet, IPv4, lengths 6 and 4
      {0x00, 0x01},                          // request
      {0x02, 0x00, 0x00, 0x00, 0x00, 0x09},  // sender MAC
      {192, 0, 2, 9},                        // sender IP
      {0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // target MAC: unknown
      {192, 0, 2, 9},                        // target IP = sender IP
      std::vector<uint8_t>(18, 0),           // padding to 60 bytes
  });
  EXPECT_EQ(frame, expected);
  EXPECT_EQ(frame.size(), kMinFrameLength);
}

TEST(AnnounceFramesTest, UnsolicitedNeighborAdvert) {
  const Frame frame = BuildUnsolicitedNeighborAdvert(kMac, *IpAddress::Parse("2001:db8::9"));
  const std::vector<uint8_t> address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                        0,    0,    0,    0,    0, 0, 0, 0x09};
  const std::vector<uint8_t> expected = Concat({
      {0x33, 0x33, 0x00, 0x00, 0x00, 0x01},  // all-nodes multicast MAC
      {0x02, 0x00, 0x00, 0x00, 0x00, 0x09},
      {0x86, 0xdd},
      {0x60, 0x00, 0x00, 0x00},  // version 6, no traffic class or flow label
      {0x00, 0x20},              // payload: 32 bytes of ICMPv6
      {58, 255},                 // next header ICMPv6, hop limit 255
      address,                   // source: the announced address
      {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01},  // ff02::1
      {136, 0},                                                   // neighbour advertisement, code 0
      {0xf9, 0x12},                                // checksum (computed outside this code base)
      {0x20, 0x00, 0x00, 0x00},                    // R=0 S=0 O=1
      address,                                     // target
      {2, 1, 0x02, 0x00, 0x00, 0x00, 0x00, 0x09},  // target link-layer address option
  });
  EXPECT_EQ(frame, expected);
  EXPECT_TRUE(Icmpv6ChecksumValid(frame));
}

TEST(AnnounceFramesTest, NeighborAdvertChecksumForLinkLocal) {
  const Frame frame = BuildUnsolicitedNeighborAdvert(kMac, *IpAddress::Parse("fe80::ff:fe00:9"));
  ASSERT_EQ(frame.size(), 86u);
  EXPECT_TRUE(Icmpv6ChecksumValid(frame));
  EXPECT_EQ(frame[56], 0x59);
  EXPECT_EQ(frame[57], 0x83);
}

TEST(AnnounceFramesTest, ChecksumStaysValidForManyAddresses) {
  // Addresses whose sums carry several times through the fold.
  for (const char* text : {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "2001:db8:ffff::1",
                           "fe80::1", "2001:db8:0:1:ffff:ffff:ffff:fffe"}) {
    for (const char* mac : {"ff:fe:ff:ff:ff:ff", "00:00:00:00:00:00", "02:00:00:00:00:09"}) {
      const Frame frame =
          BuildUnsolicitedNeighborAdvert(*MacAddress::Parse(mac), *IpAddress::Parse(text));
      EXPECT_TRUE(Icmpv6ChecksumValid(frame)) << text << " " << mac;
    }
  }
}

TEST(AnnounceFramesTest, RarpAnnounce) {
  const MacAddress guest = *MacAddress::Parse("52:54:00:ab:cd:ef");
  const Frame frame = BuildRarpAnnounce(guest);
  const std::vector<uint8_t> expected = Concat({
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
      {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},  // the MAC switches must relearn
      {0x80, 0x35},                          // RARP
      {0x00, 0x01, 0x08, 0x00, 0x06, 0x04},
      {0x00, 0x03},                          // reverse request
      {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},  // sender MAC
      {0, 0, 0, 0},
      {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},  // target MAC
      {0, 0, 0, 0},
      std::vector<uint8_t>(18, 0),
  });
  EXPECT_EQ(frame, expected);
}

}  // namespace
}  // namespace failoverd::kernel
