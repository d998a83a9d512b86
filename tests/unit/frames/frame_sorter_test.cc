// The frame sorter's rules: which frames become sightings, which are ignored
// (well formed, but nothing this NIC asked about), and which count as malformed.
#include "failoverd/frames/frame_sorter.h"

#include <gtest/gtest.h>

#include "failoverd/frames/arp_frames.h"
#include "frames/frame_bytes.h"

namespace failoverd::frames {
namespace {

using testing::Bytes;
using testing::Concat;
using testing::PadTo;

const MacAddress kOurMac = *MacAddress::Parse("02:00:00:00:00:11");
const Bytes kOur = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};
const Bytes kPeer = {0x02, 0x00, 0x00, 0x00, 0x00, 0x21};

Bytes ReplyFrom(uint8_t last_octet) {
  return PadTo(Concat({kOur,
                       kPeer,
                       {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02},
                       kPeer,
                       {192, 0, 2, last_octet},
                       kOur,
                       {0, 0, 0, 0}}),
               60);
}

Bytes Lldp() {
  return PadTo(Concat({{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e},
                       kPeer,
                       {0x88, 0xcc},
                       {0x02, 0x07, 0x04},
                       kPeer,                         // chassis ID: MAC
                       {0x04, 0x03, 0x07, 'p', '1'},  // port ID: local "p1"
                       {0x06, 0x02, 0x00, 0x78}}),    // TTL 120; padding = End
               60);
}

SortContext Probed(std::initializer_list<const char*> targets) {
  SortContext context;
  context.our_mac = kOurMac;
  for (const char* t : targets) context.arp_targets.insert(*IpAddress::Parse(t));
  return context;
}

TEST(FrameSorterTest, ArpAnswerForAProbedTargetIsASighting) {
  const SortedFrame sorted = SortCableFrame(ReplyFrom(1), false, Probed({"192.0.2.1"}));
  ASSERT_EQ(SortedFrame::Kind::kObservation, sorted.kind) << sorted.reason;
  ASSERT_EQ(core::CableObservation::Kind::kArp, sorted.observation.kind);
  EXPECT_EQ("192.0.2.1", sorted.observation.arp.target.ToString());
  EXPECT_EQ("02:00:00:00:00:21", sorted.observation.arp.mac.ToString());
}

TEST(FrameSorterTest, ArpFromAnAddressNeverProbedIsIgnored) {
  const SortedFrame sorted = SortCableFrame(ReplyFrom(77), false, Probed({"192.0.2.1"}));
  EXPECT_EQ(SortedFrame::Kind::kIgnored, sorted.kind);
  EXPECT_EQ("ARP from 192.0.2.77, which we did not probe", sorted.reason);
  EXPECT_EQ(SortedFrame::Kind::kIgnored, SortCableFrame(ReplyFrom(1), false, Probed({})).kind);
}

TEST(FrameSorterTest, OurOwnProbeIsIgnored) {
  const SortedFrame sorted = SortCableFrame(BuildArpProbe(kOurMac, *IpAddress::Parse("192.0.2.1")),
                                            false, Probed({"192.0.2.1"}));
  EXPECT_EQ(SortedFrame::Kind::kIgnored, sorted.kind);
}

TEST(FrameSorterTest, TaggedArpIsIgnoredButTaggedLldpIsNot) {
  EXPECT_EQ(SortedFrame::Kind::kIgnored,
            SortCableFrame(ReplyFrom(1), /*vlan_tagged=*/true, Probed({"192.0.2.1"})).kind);
  const SortedFrame lldp = SortCableFrame(Lldp(), /*vlan_tagged=*/true, Probed({}));
  ASSERT_EQ(SortedFrame::Kind::kObservation, lldp.kind) << lldp.reason;
  ASSERT_EQ(core::CableObservation::Kind::kLldp, lldp.observation.kind);
  EXPECT_EQ("p1", lldp.observation.lldp.port_id);
}

TEST(FrameSorterTest, DecoderRefusalsAreMalformed) {
  Bytes arp = ReplyFrom(1);
  arp[21] = 9;  // opcode
  EXPECT_EQ(SortedFrame::Kind::kMalformed, SortCableFrame(arp, false, Probed({"192.0.2.1"})).kind);
  Bytes lldp = Lldp();
  lldp[14] = 0x06;  // first TLV becomes a TTL
  const SortedFrame sorted = SortCableFrame(lldp, false, Probed({}));
  EXPECT_EQ(SortedFrame::Kind::kMalformed, sorted.kind);
  EXPECT_EQ("TLV 3 where the chassis ID TLV must be", sorted.reason);
  EXPECT_EQ(SortedFrame::Kind::kMalformed, SortCableFrame(Bytes(10, 0), false, Probed({})).kind);
  Bytes ipv6(70, 0);
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  EXPECT_EQ(SortedFrame::Kind::kMalformed, SortCableFrame(ipv6, false, Probed({})).kind);
}

TEST(FrameSorterTest, OtherEthertypesAreMalformed) {
  Bytes frame = ReplyFrom(1);
  frame[12] = 0x08;
  frame[13] = 0x00;
  const SortedFrame sorted = SortCableFrame(frame, false, Probed({}));
  EXPECT_EQ(SortedFrame::Kind::kMalformed, sorted.kind);
  EXPECT_EQ("ethertype 2048 that the socket filter should not have passed", sorted.reason);
}

}  // namespace
}  // namespace failoverd::frames
