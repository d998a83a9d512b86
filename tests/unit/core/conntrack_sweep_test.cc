// Which conntrack entries a sweep after a firewall repair deletes: those to a governed
// interface's address that no zone accepted (no mark bit), and nothing else.
#include "failoverd/core/conntrack_sweep.h"

#include <gtest/gtest.h>

namespace failoverd::core {
namespace {

constexpr uint32_t kBit = 0x01000000;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

ConntrackEntry Entry(const char* source, const char* destination, uint8_t protocol = kProtocolTcp, uint32_t mark = 0) {
  return {protocol, Ip(source), Ip(destination), mark};
}

class ConntrackSweepTest : public ::testing::Test {
 protected:
  SweepVerdict Judge(const ConntrackEntry& entry, bool tcp_resumes = true) const {
    return JudgeEntry(entry, scope_, tcp_resumes);
  }
  // eth0 (governed) has 192.0.2.9 and 2001:db8::9; the management NIC (not governed) 203.0.113.5.
  SweepScope scope_{{Ip("192.0.2.9"), Ip("2001:db8::9")},
                    {Ip("192.0.2.9"), Ip("2001:db8::9"), Ip("203.0.113.5")},
                    kBit};
};

TEST_F(ConntrackSweepTest, UnmarkedConnectionToAGovernedAddressIsSwept) {
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9")), SweepVerdict::kSweep);
  EXPECT_EQ(Judge(Entry("2001:db8::1", "2001:db8::9")), SweepVerdict::kSweep);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kUdp)), SweepVerdict::kSweep);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kIcmp)), SweepVerdict::kSweep);  // a ping flow
}

TEST_F(ConntrackSweepTest, TheMarkBitAloneKeepsAConnection) {
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kProtocolTcp, kBit)), SweepVerdict::kAccepted);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kProtocolTcp, kBit | 0xff)), SweepVerdict::kAccepted);
  // Other bits of the ct mark are the administrator's and say nothing.
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kProtocolTcp, ~kBit)), SweepVerdict::kSweep);
}

TEST_F(ConntrackSweepTest, WhatTheHostOpenedIsKept) {
  EXPECT_EQ(Judge(Entry("192.0.2.9", "192.0.2.1")), SweepVerdict::kHostOpened);
  EXPECT_EQ(Judge(Entry("203.0.113.5", "192.0.2.9")), SweepVerdict::kHostOpened);  // to itself
  EXPECT_EQ(Judge(Entry("127.0.0.1", "192.0.2.9")), SweepVerdict::kHostOpened);
  EXPECT_EQ(Judge(Entry("::1", "2001:db8::9")), SweepVerdict::kHostOpened);
}

TEST_F(ConntrackSweepTest, ForwardedAndOtherLocalConnectionsAreLeftAlone) {
  EXPECT_EQ(Judge(Entry("192.0.2.1", "198.51.100.7")), SweepVerdict::kForwarded);
  EXPECT_EQ(Judge(Entry("2001:db8::1", "2001:db8:1::7")), SweepVerdict::kForwarded);
  // To the management NIC's address: failoverd governs that interface not at all.
  EXPECT_EQ(Judge(Entry("192.0.2.1", "203.0.113.5")), SweepVerdict::kNotManaged);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "255.255.255.255", kUdp)), SweepVerdict::kNotManaged);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "224.0.0.251", kUdp)), SweepVerdict::kNotManaged);
  EXPECT_EQ(Judge(Entry("fe80::1", "ff02::1", kUdp)), SweepVerdict::kNotManaged);
}

// Without nf_conntrack_tcp_loose a TCP stream whose entry is gone is invalid, and the
// base chain drops it even where the zone allows it: an SSH session would die.
TEST_F(ConntrackSweepTest, TcpIsKeptWhenTheKernelWouldNotPickItUpAgain) {
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9"), /*tcp_resumes=*/false), SweepVerdict::kTcpWouldBreak);
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9", kUdp), /*tcp_resumes=*/false), SweepVerdict::kSweep);
}

TEST_F(ConntrackSweepTest, NoManagedAddressSweepsNothing) {
  scope_.managed.clear();
  EXPECT_EQ(Judge(Entry("192.0.2.1", "192.0.2.9")), SweepVerdict::kNotManaged);
}

}  // namespace
}  // namespace failoverd::core
