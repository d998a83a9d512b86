// The ARP probe byte for byte (RFC 826 layout, RFC 5227 probe fields) and the
// answer decoder against replies and requests as Linux hosts send them.
#include "failoverd/frames/arp_frames.h"

#include <gtest/gtest.h>

#include "frames/frame_bytes.h"

namespace failoverd::frames {
namespace {

using testing::Bytes;
using testing::Concat;
using testing::PadTo;

const MacAddress kOurMac = *MacAddress::Parse("02:00:00:00:00:11");
const Bytes kOur = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};
const Bytes kPeer = {0x02, 0x00, 0x00, 0x00, 0x00, 0x21};
const Bytes kOther = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
const Bytes kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const Bytes kZeroMac = {0, 0, 0, 0, 0, 0};
const Bytes kArpEthernetIpv4 = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04};

// Ethernet + ARP with the given fields, padded to 60 bytes like a real frame.
Bytes Arp(const Bytes& eth_dst, const Bytes& eth_src, uint8_t op, const Bytes& sha,
          const Bytes& spa, const Bytes& tha, const Bytes& tpa) {
  return PadTo(
      Concat({eth_dst, eth_src, {0x08, 0x06}, kArpEthernetIpv4, {0x00, op}, sha, spa, tha, tpa}),
      60);
}

// How Linux answers a probe (arp_process, sip == 0): a unicast reply to the
// prober's MAC whose target IP is the probe's sender IP, 0.0.0.0.
Bytes LinuxReplyToProbe() { return Arp(kOur, kPeer, 2, kPeer, {192, 0, 2, 1}, kOur, {0, 0, 0, 0}); }

core::ArpAnswer PeerAnswer() {
  return core::ArpAnswer{*IpAddress::Parse("192.0.2.1"), *MacAddress::Parse("02:00:00:00:00:21")};
}

std::string DecodeError(const Bytes& frame) {
  auto result = DecodeArpReply(frame, kOurMac);
  EXPECT_FALSE(result.ok()) << "decoded unexpectedly";
  return result.message();
}

TEST(ArpFramesTest, BuildsAnRfc5227Probe) {
  const Bytes expected = Concat({
      kBroadcast,        // Ethernet destination: broadcast
      kOur,              // Ethernet source: the NIC
      {0x08, 0x06},      // ARP
      kArpEthernetIpv4,  // Ethernet, IPv4, lengths 6 and 4
      {0x00, 0x01},      // request
      kOur,              // sender MAC
      {0, 0, 0, 0},      // sender IP: unspecified (a probe)
      kZeroMac,          // target MAC: unknown
      {192, 0, 2, 1},    // target IP: the address asked about
      Bytes(18, 0),      // padding to 60 bytes
  });
  EXPECT_EQ(expected, BuildArpProbe(kOurMac, *IpAddress::Parse("192.0.2.1")));
}

TEST(ArpFramesTest, ParsesItsOwnProbe) {
  auto packet = ParseArp(BuildArpProbe(kOurMac, *IpAddress::Parse("192.0.2.77")));
  ASSERT_TRUE(packet.ok()) << packet.message();
  EXPECT_EQ(kArpOpRequest, packet->op);
  EXPECT_EQ(kOurMac, packet->sender_mac);
  EXPECT_EQ("0.0.0.0", packet->sender_ip.ToString());
  EXPECT_TRUE(packet->target_mac.IsZero());
  EXPECT_EQ("192.0.2.77", packet->target_ip.ToString());
  // A probe answers nothing, least of all our own.
  EXPECT_FALSE(ArpAnswerFrom(*packet, kOurMac).has_value());
}

TEST(ArpFramesTest, DecodesUnicastReply) {
  auto answer = DecodeArpReply(LinuxReplyToProbe(), kOurMac);
  ASSERT_TRUE(answer.ok()) << answer.message();
  EXPECT_EQ(PeerAnswer(), *answer);
}

TEST(ArpFramesTest, DecodesBroadcastReply) {
  auto answer = DecodeArpReply(
      Arp(kBroadcast, kPeer, 2, kPeer, {192, 0, 2, 1}, kZeroMac, {0, 0, 0, 0}), kOurMac);
  ASSERT_TRUE(answer.ok()) << answer.message();
  EXPECT_EQ(PeerAnswer(), *answer);
}

// RFC 5227 2.1.1: a request from the probed address shows it in use as well.
TEST(ArpFramesTest, DecodesRequestFromTheAddress) {
  auto answer = DecodeArpReply(
      Arp(kBroadcast, kPeer, 1, kPeer, {192, 0, 2, 1}, kZeroMac, {192, 0, 2, 50}), kOurMac);
  ASSERT_TRUE(answer.ok()) << answer.message();
  EXPECT_EQ(PeerAnswer(), *answer);
}

TEST(ArpFramesTest, IgnoresTrailingBytes) {
  Bytes frame = LinuxReplyToProbe();
  frame.resize(100, 0xee);
  EXPECT_TRUE(DecodeArpReply(frame, kOurMac).ok());
}

// ---- well-formed, but no answer to us ---------------------------------------------

TEST(ArpFramesTest, ReplyToAnotherHostIsNoAnswer) {
  // A bridge port is promiscuous: it sees unicast replies meant for others.
  const Bytes frame = Arp(kOther, kPeer, 2, kPeer, {192, 0, 2, 1}, kOther, {192, 0, 2, 99});
  EXPECT_TRUE(ParseArp(frame).ok());
  EXPECT_EQ("ARP from 02:00:00:00:00:21 (192.0.2.1) is not an answer to 02:00:00:00:00:11",
            DecodeError(frame));
}

TEST(ArpFramesTest, SomeoneElsesProbeIsNoAnswer) {
  EXPECT_FALSE(
      DecodeArpReply(Arp(kBroadcast, kPeer, 1, kPeer, {0, 0, 0, 0}, kZeroMac, {192, 0, 2, 1}),
                     kOurMac)
          .ok());
}

TEST(ArpFramesTest, OurOwnFramesAreNoAnswer) {
  EXPECT_FALSE(
      DecodeArpReply(Arp(kBroadcast, kOur, 2, kOur, {192, 0, 2, 9}, kZeroMac, {192, 0, 2, 9}),
                     kOurMac)
          .ok());
}

TEST(ArpFramesTest, MulticastOrZeroSenderIsNoAnswer) {
  EXPECT_FALSE(
      DecodeArpReply(Arp(kOur, kPeer, 2, kZeroMac, {192, 0, 2, 1}, kOur, {0, 0, 0, 0}), kOurMac)
          .ok());
  EXPECT_FALSE(DecodeArpReply(Arp(kOur, kPeer, 2, {0x01, 0, 0x5e, 0, 0, 1}, {192, 0, 2, 1}, kOur,
                                  {0, 0, 0, 0}),
                              kOurMac)
                   .ok());
}

// ---- malformed, one reason each -----------------------------------------------------

TEST(ArpFramesTest, RefusesOtherEthertypes) {
  Bytes frame = LinuxReplyToProbe();
  frame[13] = 0x35;  // 0x0835
  EXPECT_EQ("not an ARP ethertype", DecodeError(frame));
}

TEST(ArpFramesTest, RefusesTaggedFrames) {
  // The kernel strips a VLAN tag into packet metadata before a packet socket
  // sees it; one still in the bytes is not the untagged network we probe.
  Bytes frame = Concat({kOur, kPeer, {0x81, 0x00, 0x00, 0x0a}});
  const Bytes reply = LinuxReplyToProbe();
  frame.insert(frame.end(), reply.begin() + 12, reply.end());
  EXPECT_EQ("802.1Q-tagged frame", DecodeError(frame));
}

TEST(ArpFramesTest, RefusesNonEthernetHardware) {
  Bytes frame = LinuxReplyToProbe();
  frame[15] = 6;  // IEEE 802
  EXPECT_EQ("ARP hardware type 6/6, not Ethernet", DecodeError(frame));
  frame = LinuxReplyToProbe();
  frame[18] = 8;
  EXPECT_EQ("ARP hardware type 1/8, not Ethernet", DecodeError(frame));
}

TEST(ArpFramesTest, RefusesNonIpv4Protocol) {
  Bytes frame = LinuxReplyToProbe();
  frame[16] = 0x86;
  frame[17] = 0xdd;
  EXPECT_EQ("ARP protocol type 34525/4, not IPv4", DecodeError(frame));
  frame = LinuxReplyToProbe();
  frame[19] = 16;
  EXPECT_EQ("ARP protocol type 2048/16, not IPv4", DecodeError(frame));
}

TEST(ArpFramesTest, RefusesOtherOpcodes) {
  Bytes frame = LinuxReplyToProbe();
  frame[21] = 3;  // RARP request
  EXPECT_EQ("ARP opcode 3", DecodeError(frame));
}

TEST(ArpFramesTest, RefusesTruncation) {
  const Bytes frame = LinuxReplyToProbe();
  EXPECT_EQ("truncated Ethernet header", DecodeError(Bytes(frame.begin(), frame.begin() + 10)));
  EXPECT_EQ("truncated ARP header", DecodeError(Bytes(frame.begin(), frame.begin() + 21)));
  EXPECT_EQ("truncated ARP addresses", DecodeError(Bytes(frame.begin(), frame.begin() + 41)));
  EXPECT_TRUE(DecodeArpReply(Bytes(frame.begin(), frame.begin() + 42), kOurMac).ok());
}

// Prefixes shorter than the 42 bytes of Ethernet + ARP are refused, longer ones
// (cut into the padding) decode; none is read past its end.
TEST(ArpFramesTest, EveryTruncationIsRefusedOrDecoded) {
  testing::ForEachTruncation(
      LinuxReplyToProbe(), [](std::span<const uint8_t> prefix, size_t length) {
        auto result = DecodeArpReply(prefix, kOurMac);
        EXPECT_EQ(length >= 42, result.ok()) << length << ": " << result.message();
      });
}

}  // namespace
}  // namespace failoverd::frames
