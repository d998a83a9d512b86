// The router solicitation byte for byte and the router advertisement decoder
// against RAs as radvd sends them (RFC 4861 4.1, 4.2, 4.6.2). Checksums in the
// test frames are computed by the test's own sum (frame_bytes.h).
#include "failoverd/frames/ipv6_nd_frames.h"

#include <gtest/gtest.h>

#include "frames/frame_bytes.h"

namespace failoverd::frames {
namespace {

using testing::Bytes;
using testing::Concat;

const MacAddress kOurMac = *MacAddress::Parse("02:00:00:00:00:11");
const Bytes kOur = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};
const Bytes kRouter = {0x02, 0x00, 0x00, 0x00, 0x00, 0x31};
const Bytes kAllNodesMac = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
const Bytes kRouterLinkLocal = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x31};
const Bytes kAllNodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

// A prefix information option: length 4 (32 bytes), L and A set, lifetimes.
Bytes PrefixOption(uint8_t length, const Bytes& prefix16) {
  return Concat({{3, 4, length, 0xc0},
                 {0x00, 0x01, 0x51, 0x80},  // valid lifetime 86400
                 {0x00, 0x00, 0x38, 0x40},  // preferred lifetime 14400
                 {0, 0, 0, 0},              // reserved
                 prefix16});
}

const Bytes kPrefix2001db8_1 = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

struct RaParts {
  Bytes options;
  uint8_t hop_limit = 255;
  uint8_t next_header = 58;
  uint8_t type = 134;
  uint8_t code = 0;
  Bytes src = kRouterLinkLocal;
  int checksum_delta = 0;  // added to the correct checksum
  int length_delta = 0;    // added to the IPv6 payload length
};

// An RA as radvd 2.19 sends it: cur hop limit 64, no flags, router lifetime
// 1800 s, then the options; Ethernet to 33:33:00:00:00:01, IPv6 to ff02::1.
Bytes Ra(const RaParts& p) {
  Bytes icmp = Concat({{p.type, p.code, 0, 0},
                       {64, 0x00, 0x07, 0x08},  // cur hop limit, flags, router lifetime
                       {0, 0, 0, 0},            // reachable time
                       {0, 0, 0, 0},            // retrans timer
                       p.options});
  const uint16_t checksum =
      static_cast<uint16_t>(testing::TestIcmpv6Checksum(p.src, kAllNodes, icmp) + p.checksum_delta);
  icmp[2] = static_cast<uint8_t>(checksum >> 8);
  icmp[3] = static_cast<uint8_t>(checksum & 0xff);
  const size_t length = icmp.size() + p.length_delta;
  return Concat({kAllNodesMac,
                 kRouter,
                 {0x86, 0xdd},
                 {0x60, 0, 0, 0},
                 {static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length & 0xff),
                  p.next_header, p.hop_limit},
                 p.src,
                 kAllNodes,
                 icmp});
}

// Source link-layer address, MTU 1500, one prefix: what radvd sends for
// "prefix 2001:db8:1::/64 {};".
Bytes RadvdOptions() {
  return Concat({{1, 1},
                 kRouter,                               // source link-layer address
                 {5, 1, 0, 0, 0x00, 0x00, 0x05, 0xdc},  // MTU 1500
                 PrefixOption(64, kPrefix2001db8_1)});
}

Bytes RadvdRa() { return Ra({.options = RadvdOptions()}); }

std::string DecodeError(const Bytes& frame) {
  auto result = DecodeRouterAdvert(frame);
  EXPECT_FALSE(result.ok()) << "decoded unexpectedly";
  return result.message();
}

TEST(Ipv6NdFramesTest, BuildsRouterSolicitation) {
  const Bytes expected = Concat({
      {0x33, 0x33, 0x00, 0x00, 0x00, 0x02},  // Ethernet destination: all routers
      kOur,                                  // Ethernet source: the NIC
      {0x86, 0xdd},                          // IPv6
      {0x60, 0x00, 0x00, 0x00},              // version 6, class 0, flow 0
      {0x00, 0x08, 58, 255},                 // payload 8, ICMPv6, hop limit 255
      Bytes(16, 0),                          // source :: (no address on the NIC)
      {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02},  // ff02::2
      {133, 0},                                                   // router solicitation, code 0
      {0x7b, 0xb8},  // checksum (computed outside this code)
      {0, 0, 0, 0},  // reserved; no options from ::
  });
  const Bytes frame = BuildRouterSolicitation(kOurMac);
  EXPECT_EQ(expected, frame);
  EXPECT_EQ(0x7bb8, testing::TestIcmpv6Checksum(Bytes(16, 0),
                                                Bytes(expected.begin() + 38, expected.begin() + 54),
                                                {133, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(Ipv6NdFramesTest, DecodesWhatRadvdSends) {
  auto advert = DecodeRouterAdvert(RadvdRa());
  ASSERT_TRUE(advert.ok()) << advert.message();
  EXPECT_EQ(*MacAddress::Parse("02:00:00:00:00:31"), advert->router_mac);
  EXPECT_EQ("fe80::31", advert->router.ToString());
  ASSERT_EQ(1u, advert->prefixes.size());
  EXPECT_EQ("2001:db8:1::/64", advert->prefixes[0].ToString());
  EXPECT_EQ(*IpPrefix::Parse("2001:db8:1::/64"), advert->prefixes[0]);
}

TEST(Ipv6NdFramesTest, DecodesRaWithoutPrefixes) {
  auto advert = DecodeRouterAdvert(Ra({}));
  ASSERT_TRUE(advert.ok()) << advert.message();
  EXPECT_TRUE(advert->prefixes.empty());
}

TEST(Ipv6NdFramesTest, CollectsEveryPrefixWithHostBitsCleared) {
  const Bytes with_host_bits = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0xff, 0xff,
                                0xde, 0xad, 0,    0,    0, 0, 0,    1};
  auto advert = DecodeRouterAdvert(Ra({.options = Concat({
                                           PrefixOption(64, kPrefix2001db8_1),
                                           {24, 1, 0, 0, 0, 0, 0, 0},  // route information: skipped
                                           PrefixOption(61, with_host_bits),
                                           PrefixOption(128, with_host_bits),
                                           PrefixOption(0, with_host_bits),
                                       })}));
  ASSERT_TRUE(advert.ok()) << advert.message();
  ASSERT_EQ(4u, advert->prefixes.size());
  EXPECT_EQ("2001:db8:1::/64", advert->prefixes[0].ToString());
  EXPECT_EQ("2001:db8:2:fff8::/61", advert->prefixes[1].ToString());
  EXPECT_EQ("2001:db8:2:ffff:dead::1/128", advert->prefixes[2].ToString());
  EXPECT_EQ("::/0", advert->prefixes[3].ToString());
}

TEST(Ipv6NdFramesTest, IgnoresEthernetPaddingAfterThePayload) {
  Bytes frame = RadvdRa();
  frame.insert(frame.end(), {0, 0, 0, 0});
  EXPECT_TRUE(DecodeRouterAdvert(frame).ok());
}

// ---- rejections, one reason each ------------------------------------------------------

TEST(Ipv6NdFramesTest, RefusesOtherEthertypes) {
  Bytes frame = RadvdRa();
  frame[12] = 0x08;
  frame[13] = 0x00;
  EXPECT_EQ("not an IPv6 ethertype", DecodeError(frame));
}

TEST(Ipv6NdFramesTest, RefusesTaggedFrames) {
  const Bytes ra = RadvdRa();
  Bytes frame = Concat({Bytes(ra.begin(), ra.begin() + 12), {0x81, 0x00, 0x00, 0x0a}});
  frame.insert(frame.end(), ra.begin() + 12, ra.end());
  EXPECT_EQ("802.1Q-tagged frame", DecodeError(frame));
}

TEST(Ipv6NdFramesTest, RefusesTruncatedIpv6Header) {
  const Bytes ra = RadvdRa();
  EXPECT_EQ("truncated IPv6 header", DecodeError(Bytes(ra.begin(), ra.begin() + 53)));
}

TEST(Ipv6NdFramesTest, RefusesOtherIpVersions) {
  Bytes frame = RadvdRa();
  frame[14] = 0x40;
  EXPECT_EQ("IP version is not 6", DecodeError(frame));
}

TEST(Ipv6NdFramesTest, RefusesExtensionHeaders) {
  EXPECT_EQ("IPv6 next header 0, not ICMPv6",
            DecodeError(Ra({.options = RadvdOptions(), .next_header = 0})));
}

TEST(Ipv6NdFramesTest, RefusesForwardedRa) {
  EXPECT_EQ("hop limit 64, not 255", DecodeError(Ra({.options = RadvdOptions(), .hop_limit = 64})));
}

TEST(Ipv6NdFramesTest, RefusesPayloadLengthPastTheFrame) {
  EXPECT_EQ("IPv6 payload length 65 overruns the frame",
            DecodeError(Ra({.options = RadvdOptions(), .length_delta = 1})));
}

TEST(Ipv6NdFramesTest, RefusesNonLinkLocalSource) {
  const Bytes global = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ("RA source 2001:db8:1::1 is not link-local",
            DecodeError(Ra({.options = RadvdOptions(), .src = global})));
  EXPECT_EQ("RA source :: is not link-local",
            DecodeError(Ra({.options = RadvdOptions(), .src = Bytes(16, 0)})));
}

TEST(Ipv6NdFramesTest, RefusesOtherIcmpv6Messages) {
  EXPECT_EQ("ICMPv6 type 135, not a router advertisement",
            DecodeError(Ra({.options = RadvdOptions(), .type = 135})));
  EXPECT_EQ("RA with ICMPv6 code 1", DecodeError(Ra({.options = RadvdOptions(), .code = 1})));
}

TEST(Ipv6NdFramesTest, RefusesTruncatedRa) {
  // A 12-byte ICMPv6 message with a valid checksum and payload length.
  Bytes icmp = {134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0};
  const uint16_t sum = testing::TestIcmpv6Checksum(kRouterLinkLocal, kAllNodes, icmp);
  icmp[2] = static_cast<uint8_t>(sum >> 8);
  icmp[3] = static_cast<uint8_t>(sum & 0xff);
  const Bytes frame = Concat({kAllNodesMac,
                              kRouter,
                              {0x86, 0xdd},
                              {0x60, 0, 0, 0},
                              {0, 12, 58, 255},
                              kRouterLinkLocal,
                              kAllNodes,
                              icmp});
  EXPECT_EQ("truncated RA", DecodeError(frame));
  const Bytes header_only = Concat({kAllNodesMac,
                                    kRouter,
                                    {0x86, 0xdd},
                                    {0x60, 0, 0, 0},
                                    {0, 1, 58, 255},
                                    kRouterLinkLocal,
                                    kAllNodes,
                                    {134}});
  EXPECT_EQ("truncated ICMPv6 header", DecodeError(header_only));
}

TEST(Ipv6NdFramesTest, RefusesBadChecksum) {
  EXPECT_EQ("bad ICMPv6 checksum",
            DecodeError(Ra({.options = RadvdOptions(), .checksum_delta = 1})));
}

TEST(Ipv6NdFramesTest, RefusesZeroLengthOption) {
  EXPECT_EQ("ND option 1 of length 0",
            DecodeError(Ra({.options = Concat({{1, 0, 0, 0, 0, 0, 0, 0}, RadvdOptions()})})));
}

TEST(Ipv6NdFramesTest, RefusesOptionOverrunningTheRa) {
  EXPECT_EQ("ND option 5 overruns the RA",
            DecodeError(Ra({.options = {5, 2, 0, 0, 0x00, 0x00, 0x05, 0xdc}})));
  EXPECT_EQ("truncated ND option header", DecodeError(Ra({.options = {5}})));
}

TEST(Ipv6NdFramesTest, RefusesBadPrefixInformation) {
  Bytes option = PrefixOption(64, kPrefix2001db8_1);
  option[1] = 3;
  option.resize(24);
  EXPECT_EQ("prefix information option of length 3", DecodeError(Ra({.options = option})));
  EXPECT_EQ("prefix length 129", DecodeError(Ra({.options = PrefixOption(129, kPrefix2001db8_1)})));
}

// Every prefix of a valid RA is refused (payload length or headers cut short)
// and read without a byte past its end.
TEST(Ipv6NdFramesTest, EveryTruncationIsRefused) {
  testing::ForEachTruncation(RadvdRa(), [](std::span<const uint8_t> prefix, size_t length) {
    auto result = DecodeRouterAdvert(prefix);
    EXPECT_FALSE(result.ok()) << "prefix of " << length << " bytes decoded";
  });
}

}  // namespace
}  // namespace failoverd::frames
