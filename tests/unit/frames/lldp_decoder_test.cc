// The LLDP decoder against hand-built frames: the frame lldpd sends, every
// chassis/port ID subtype, and one frame per rejection reason. TLV headers are
// written out as type << 9 | length by hand, from IEEE 802.1AB.
#include "failoverd/frames/lldp_decoder.h"

#include <gtest/gtest.h>

#include <string>

#include "frames/frame_bytes.h"

namespace failoverd::frames {
namespace {

using testing::Bytes;
using testing::Concat;

const Bytes kNearestBridge = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
const Bytes kSwitchMac = {0x02, 0x00, 0x00, 0x00, 0x0a, 0x01};
const Bytes kPortMac = {0x02, 0x00, 0x00, 0x00, 0x0a, 0x07};
const Bytes kLldpType = {0x88, 0xcc};

// One TLV: 7 bits type, 9 bits length, value.
Bytes Tlv(int type, const Bytes& value) {
  const size_t length = value.size();
  Bytes tlv = {static_cast<uint8_t>(type << 1 | (length >> 8 & 1)),
               static_cast<uint8_t>(length & 0xff)};
  tlv.insert(tlv.end(), value.begin(), value.end());
  return tlv;
}
Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes Sub(uint8_t subtype, const Bytes& id) { return Concat({{subtype}, id}); }

const Bytes kChassisMac = Tlv(1, Sub(4, kSwitchMac));
const Bytes kPortIdMac = Tlv(2, Sub(3, kPortMac));
const Bytes kTtl120 = Tlv(3, {0x00, 0x78});
const Bytes kEnd = {0x00, 0x00};

Bytes Frame(const Bytes& lldpdu, const Bytes& dst = kNearestBridge) {
  return Concat({dst, kSwitchMac, kLldpType, lldpdu});
}

// What lldpd 1.0.16 sends from a Linux bridge port (captured with tcpdump in
// the lab, addresses replaced): mandatory TLVs, system name and description,
// capabilities, port description, two IEEE 802.3 TLVs, then End — here with an
// IEEE 802.1 port VLAN ID added.
Bytes LldpdFrame() {
  return Frame(Concat({
      kChassisMac,
      kPortIdMac,
      Tlv(3, {0x00, 0x04}),                                              // TTL 4 s (tx-interval 1)
      Tlv(5, Text("core-sw-1")),                                         // system name
      Tlv(6, Text("failoverd lab switch")),                              // system description
      Tlv(7, {0x00, 0x9c, 0x00, 0x04}),                                  // capabilities: bridge
      Tlv(4, Text("p1")),                                                // port description
      Tlv(127, {0x00, 0x12, 0x0f, 0x03, 0x01, 0, 0, 0, 0}),              // 802.3 link aggregation
      Tlv(127, {0x00, 0x12, 0x0f, 0x01, 0x00, 0x80, 0x00, 0x00, 0x36}),  // 802.3 MAC/PHY
      Tlv(127, {0x00, 0x80, 0xc2, 0x01, 0x00, 0x0a}),                    // 802.1 port VLAN ID 10
      kEnd,
  }));
}

std::string DecodeError(const Bytes& frame) {
  auto result = DecodeLldp(frame);
  EXPECT_FALSE(result.ok()) << "decoded unexpectedly";
  return result.message();
}

TEST(LldpDecoderTest, DecodesWhatLldpdSends) {
  auto neighbor = DecodeLldp(LldpdFrame());
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_EQ("02:00:00:00:0a:01", neighbor->chassis_id);
  EXPECT_EQ("02:00:00:00:0a:07", neighbor->port_id);
  EXPECT_EQ(4, neighbor->ttl_s);
  EXPECT_EQ("core-sw-1", neighbor->system_name);
  EXPECT_EQ("p1", neighbor->port_description);
  EXPECT_EQ(std::optional<uint16_t>(10), neighbor->port_vlan);
}

TEST(LldpDecoderTest, MinimalFrameLeavesOptionalFieldsEmpty) {
  // Only the mandatory TLVs; the zero padding of a 60-byte frame is the End TLV.
  auto neighbor = DecodeLldp(testing::PadTo(Frame(Concat({kChassisMac, kPortIdMac, kTtl120})), 60));
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_EQ(120, neighbor->ttl_s);
  EXPECT_EQ("", neighbor->system_name);
  EXPECT_EQ("", neighbor->port_description);
  EXPECT_FALSE(neighbor->port_vlan.has_value());
}

TEST(LldpDecoderTest, AcceptsEveryLldpGroupAddress) {
  const Bytes lldpdu = Concat({kChassisMac, kPortIdMac, kTtl120, kEnd});
  for (uint8_t last : {uint8_t{0x0e}, uint8_t{0x03}, uint8_t{0x00}}) {
    EXPECT_TRUE(DecodeLldp(Frame(lldpdu, {0x01, 0x80, 0xc2, 0x00, 0x00, last})).ok())
        << static_cast<int>(last);
  }
  EXPECT_EQ("LLDP to 01:80:c2:00:00:02, not an LLDP group address",
            DecodeError(Frame(lldpdu, {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02})));
  EXPECT_EQ("LLDP to 02:00:00:00:00:01, not an LLDP group address",
            DecodeError(Frame(lldpdu, {0x02, 0x00, 0x00, 0x00, 0x00, 0x01})));
}

TEST(LldpDecoderTest, AcceptsOneVlanTag) {
  const Bytes frame = Concat({kNearestBridge,
                              kSwitchMac,
                              {0x81, 0x00, 0x20, 0x0a},
                              kLldpType,
                              kChassisMac,
                              kPortIdMac,
                              kTtl120,
                              kEnd});
  auto neighbor = DecodeLldp(frame);
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_EQ("02:00:00:00:0a:01", neighbor->chassis_id);
}

TEST(LldpDecoderTest, RefusesStackedVlanTags) {
  const Bytes frame = Concat({kNearestBridge,
                              kSwitchMac,
                              {0x81, 0x00, 0x00, 0x0a},
                              {0x81, 0x00, 0x00, 0x0b},
                              kLldpType,
                              kChassisMac,
                              kPortIdMac,
                              kTtl120,
                              kEnd});
  EXPECT_EQ("stacked 802.1Q tags", DecodeError(frame));
  EXPECT_EQ("truncated 802.1Q tag",
            DecodeError(Concat({kNearestBridge, kSwitchMac, {0x81, 0x00, 0x00}})));
}

// Chassis ID subtypes (802.1AB 8.5.2.2) with the text each renders as.
TEST(LldpDecoderTest, RendersEveryChassisIdSubtype) {
  struct Case {
    Bytes value;
    std::string expected;
  };
  const Case cases[] = {
      {Sub(1, Text("chassis-1")), "chassis-1"},   // chassis component
      {Sub(2, Text("uplink")), "uplink"},         // interface alias
      {Sub(3, Text("slot 2")), "slot 2"},         // port component
      {Sub(4, kSwitchMac), "02:00:00:00:0a:01"},  // MAC address
      {Sub(5, {1, 192, 0, 2, 1}), "192.0.2.1"},   // network address, IPv4
      {Sub(5, Concat({{2, 0x20, 0x01, 0x0d, 0xb8}, Bytes(11, 0), {1}})), "2001:db8::1"},  // IPv6
      {Sub(5, {6, 0x02, 0x00}), "\\x06\\x02\\x00"},  // other family: bytes
      {Sub(6, Text("eth0")), "eth0"},                // interface name
      {Sub(7, Text("core-sw-1")), "core-sw-1"},      // locally assigned
      {Sub(0, Text("reserved")), "reserved"},        // reserved subtypes
      {Sub(200, Text("reserved")), "reserved"},
  };
  for (const Case& c : cases) {
    auto neighbor = DecodeLldp(Frame(Concat({Tlv(1, c.value), kPortIdMac, kTtl120, kEnd})));
    ASSERT_TRUE(neighbor.ok()) << c.expected << ": " << neighbor.message();
    EXPECT_EQ(c.expected, neighbor->chassis_id);
  }
}

// Port ID subtypes (8.5.3.2): MAC is 3 and network address 4 here, not 4 and 5.
TEST(LldpDecoderTest, RendersEveryPortIdSubtype) {
  struct Case {
    Bytes value;
    std::string expected;
  };
  const Case cases[] = {
      {Sub(1, Text("uplink to srv")), "uplink to srv"},  // interface alias
      {Sub(2, Text("2/1")), "2/1"},                      // port component
      {Sub(3, kPortMac), "02:00:00:00:0a:07"},           // MAC address
      {Sub(4, {1, 192, 0, 2, 7}), "192.0.2.7"},          // network address
      {Sub(4, Concat({{2, 0xfe, 0x80}, Bytes(12, 0), {0, 7}})), "fe80::7"},
      {Sub(5, Text("Gi1/0/7")), "Gi1/0/7"},  // interface name
      {Sub(6, Text("circuit")), "circuit"},  // agent circuit ID
      {Sub(7, Text("7")), "7"},              // locally assigned
      // Subtype 5 is a network address in a chassis ID but an interface name here.
      {Sub(5, {4, 1, 2}), "\\x04\\x01\\x02"},
  };
  for (const Case& c : cases) {
    auto neighbor = DecodeLldp(Frame(Concat({kChassisMac, Tlv(2, c.value), kTtl120, kEnd})));
    ASSERT_TRUE(neighbor.ok()) << c.expected << ": " << neighbor.message();
    EXPECT_EQ(c.expected, neighbor->port_id);
  }
  // Subtype 4 (a MAC address in a chassis ID) is a network address here: family 2
  // (IPv6) with 5 address bytes is refused.
  EXPECT_EQ(
      "port ID network address of 5 bytes",
      DecodeError(Frame(Concat({kChassisMac, Tlv(2, Sub(4, {2, 1, 2, 3, 4, 5})), kTtl120, kEnd}))));
}

TEST(LldpDecoderTest, EscapesNonPrintableBytes) {
  const Bytes name = {'s', 'w', 0x00, '\\', 0x7f, 0xc3, 0xa9, '\n'};
  auto neighbor = DecodeLldp(Frame(Concat(
      {kChassisMac, kPortIdMac, kTtl120, Tlv(5, name), Tlv(4, Text("Gi1/0/7 \"uplink\"")), kEnd})));
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_EQ("sw\\x00\\x5c\\x7f\\xc3\\xa9\\x0a", neighbor->system_name);
  EXPECT_EQ("Gi1/0/7 \"uplink\"", neighbor->port_description);
}

TEST(LldpDecoderTest, FirstOfRepeatedOptionalTlvsWins) {
  auto neighbor = DecodeLldp(
      Frame(Concat({kChassisMac, kPortIdMac, kTtl120, Tlv(5, Text("first")), Tlv(5, Text("second")),
                    Tlv(4, Text("a")), Tlv(4, Text("b")), kEnd})));
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_EQ("first", neighbor->system_name);
  EXPECT_EQ("a", neighbor->port_description);
}

TEST(LldpDecoderTest, PortVlanZeroMeansNone) {
  auto neighbor = DecodeLldp(Frame(Concat(
      {kChassisMac, kPortIdMac, kTtl120, Tlv(127, {0x00, 0x80, 0xc2, 0x01, 0x00, 0x00}), kEnd})));
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_FALSE(neighbor->port_vlan.has_value());
}

TEST(LldpDecoderTest, SkipsUnknownAndOtherOrganizationalTlvs) {
  auto neighbor = DecodeLldp(Frame(Concat(
      {kChassisMac, kPortIdMac, kTtl120,
       Tlv(8, {5, 1, 192, 0, 2, 1, 2, 0, 0, 0, 1, 0}),  // management address
       Tlv(42, Bytes(300, 0xaa)),                       // reserved type, 9-bit length
       Tlv(127, {0x00, 0x80, 0xc2, 0x03, 0x00, 0x0a, 0x04, 'v', 'l', '1', '0'}),  // VLAN name
       Tlv(127, {0x00, 0x12, 0xbb, 0x01, 0x00, 0x0f, 0x04}),                      // LLDP-MED
       kEnd})));
  ASSERT_TRUE(neighbor.ok()) << neighbor.message();
  EXPECT_FALSE(neighbor->port_vlan.has_value());
}

TEST(LldpDecoderTest, IgnoresPaddingAfterEnd) {
  Bytes frame = Frame(Concat({kChassisMac, kPortIdMac, kTtl120, kEnd, {0xde, 0xad, 0xbe}}));
  EXPECT_TRUE(DecodeLldp(frame).ok());
}

// ---- rejections, one reason each ------------------------------------------------------

TEST(LldpDecoderTest, RefusesOtherEthertypes) {
  Bytes frame = LldpdFrame();
  frame[12] = 0x08;
  frame[13] = 0x06;
  EXPECT_EQ("not an LLDP ethertype", DecodeError(frame));
}

TEST(LldpDecoderTest, RefusesTruncatedEthernetHeader) {
  EXPECT_EQ("truncated Ethernet header", DecodeError(Bytes(13, 0x01)));
}

TEST(LldpDecoderTest, RefusesMissingOrMisorderedMandatoryTlvs) {
  EXPECT_EQ("TLV 2 where the chassis ID TLV must be",
            DecodeError(Frame(Concat({kPortIdMac, kChassisMac, kTtl120, kEnd}))));
  EXPECT_EQ("TLV 3 where the port ID TLV must be",
            DecodeError(Frame(Concat({kChassisMac, kTtl120, kPortIdMac, kEnd}))));
  EXPECT_EQ("TLV 5 where the TTL TLV must be",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, Tlv(5, Text("x")), kEnd}))));
  EXPECT_EQ("TLV 0 where the TTL TLV must be",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kEnd, kTtl120}))));
  EXPECT_EQ("missing chassis ID TLV", DecodeError(Frame({})));
  EXPECT_EQ("missing TTL TLV", DecodeError(Frame(Concat({kChassisMac, kPortIdMac}))));
}

TEST(LldpDecoderTest, RefusesDuplicateMandatoryTlvs) {
  EXPECT_EQ("duplicate chassis ID TLV",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120, kChassisMac, kEnd}))));
  EXPECT_EQ("duplicate port ID TLV",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120, kPortIdMac, kEnd}))));
  EXPECT_EQ("duplicate TTL TLV",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120, kTtl120, kEnd}))));
}

TEST(LldpDecoderTest, RefusesBadIdLengths) {
  auto with_chassis = [](const Bytes& value) {
    return Frame(Concat({Tlv(1, value), kPortIdMac, kTtl120, kEnd}));
  };
  EXPECT_EQ("chassis ID TLV of length 1", DecodeError(with_chassis({7})));
  EXPECT_EQ("chassis ID TLV of length 0", DecodeError(with_chassis({})));
  EXPECT_EQ("chassis ID TLV of length 257", DecodeError(with_chassis(Sub(7, Bytes(256, 'a')))));
  EXPECT_TRUE(DecodeLldp(with_chassis(Sub(7, Bytes(255, 'a')))).ok());
  EXPECT_EQ("chassis ID MAC address of 5 bytes",
            DecodeError(with_chassis(Sub(4, {1, 2, 3, 4, 5}))));
  EXPECT_EQ("chassis ID network address of 3 bytes",
            DecodeError(with_chassis(Sub(5, {1, 192, 0, 2}))));
  EXPECT_EQ("chassis ID network address of 4 bytes",
            DecodeError(with_chassis(Sub(5, {2, 0x20, 0x01, 0x0d, 0xb8}))));
  EXPECT_EQ("port ID MAC address of 7 bytes",
            DecodeError(Frame(Concat({kChassisMac, Tlv(2, Sub(3, Bytes(7, 1))), kTtl120, kEnd}))));
  EXPECT_EQ("port ID TLV of length 1",
            DecodeError(Frame(Concat({kChassisMac, Tlv(2, {5}), kTtl120, kEnd}))));
}

TEST(LldpDecoderTest, RefusesBadTtlLength) {
  EXPECT_EQ("TTL TLV of length 3",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, Tlv(3, {0, 0, 120}), kEnd}))));
}

TEST(LldpDecoderTest, RefusesTlvOverrunningTheFrame) {
  Bytes frame = Frame(Concat({kChassisMac, kPortIdMac, kTtl120, Tlv(5, Text("core-sw-1"))}));
  frame[frame.size() - 10] = 0x20;  // system name claims 32 bytes, 9 are there
  EXPECT_EQ("TLV 5 of length 32 overruns the frame", DecodeError(frame));
}

TEST(LldpDecoderTest, RefusesMissingEnd) {
  EXPECT_EQ("no End TLV", DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120}))));
  EXPECT_EQ("truncated TLV header",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120, {0x0a}}))));
}

TEST(LldpDecoderTest, RefusesEndWithLength) {
  EXPECT_EQ("End TLV with a length",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120, Tlv(0, {0})}))));
}

TEST(LldpDecoderTest, RefusesShortOrganizationalTlvs) {
  EXPECT_EQ("organizational TLV of length 3",
            DecodeError(Frame(
                Concat({kChassisMac, kPortIdMac, kTtl120, Tlv(127, {0x00, 0x80, 0xc2}), kEnd}))));
  EXPECT_EQ("port VLAN ID TLV of length 5",
            DecodeError(Frame(Concat({kChassisMac, kPortIdMac, kTtl120,
                                      Tlv(127, {0x00, 0x80, 0xc2, 0x01, 0x0a}), kEnd}))));
}

// Every prefix of a valid frame is refused (it lacks at least the End TLV) and
// is read without a byte past its end (AddressSanitizer would stop the test).
TEST(LldpDecoderTest, EveryTruncationIsRefused) {
  testing::ForEachTruncation(LldpdFrame(), [](std::span<const uint8_t> prefix, size_t length) {
    auto result = DecodeLldp(prefix);
    EXPECT_FALSE(result.ok()) << "prefix of " << length << " bytes decoded";
    EXPECT_FALSE(result.message().empty());
  });
}

}  // namespace
}  // namespace failoverd::frames
