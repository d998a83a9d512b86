#include "firewall/session_check.h"

#include <gtest/gtest.h>

namespace failoverd::firewall {
namespace {

ZoneFragment Zone(std::vector<std::string> input) { return {"test", "test.nft", std::move(input), {}}; }

NewTcpConnection Ssh(const std::string& client = "192.0.2.2", const std::string& local = "192.0.2.10") {
  return {*IpAddress::Parse(client), *IpAddress::Parse(local), 22};
}

TEST(SessionCheck, ShippedZones) {
  const auto lan = Zone({"meta l4proto icmp accept", "meta l4proto ipv6-icmp accept", "tcp dport 22 accept",
                         "udp sport 67 udp dport 68 accept"});
  EXPECT_TRUE(JudgeNewConnection(lan, Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(lan, Ssh("2001:db8::2", "2001:db8::10")).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"accept"}), Ssh()).admitted);  // trusted
  const SessionVerdict external = JudgeNewConnection(Zone({"meta l4proto icmp accept"}), Ssh());
  EXPECT_FALSE(external.admitted);
  EXPECT_NE(external.why.find("accepts no new connection to 192.0.2.10:22"), std::string::npos) << external.why;
  const SessionVerdict isolated = JudgeNewConnection(Zone({"drop"}), Ssh());
  EXPECT_FALSE(isolated.admitted);
  EXPECT_NE(isolated.why.find("drops"), std::string::npos) << isolated.why;
}

TEST(SessionCheck, PortsSetsRangesAndServices) {
  EXPECT_TRUE(JudgeNewConnection(Zone({"tcp dport { 80, 22 } accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"tcp dport 1-1024 accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"tcp dport ssh accept"}), Ssh()).admitted);
  EXPECT_FALSE(JudgeNewConnection(Zone({"tcp dport 2222 accept"}), Ssh()).admitted);
  EXPECT_FALSE(JudgeNewConnection(Zone({"tcp dport != 22 accept"}), Ssh()).admitted);
  EXPECT_FALSE(JudgeNewConnection(Zone({"udp dport 22 accept"}), Ssh()).admitted);
}

TEST(SessionCheck, SourcesAndOrder) {
  EXPECT_TRUE(JudgeNewConnection(Zone({"ip saddr 192.0.2.0/24 tcp dport 22 accept"}), Ssh()).admitted);
  EXPECT_FALSE(JudgeNewConnection(Zone({"ip saddr 198.51.100.0/24 tcp dport 22 accept"}), Ssh()).admitted);
  // A drop that matches before the accept wins; one for another source does not.
  EXPECT_FALSE(JudgeNewConnection(Zone({"ip saddr 192.0.2.2 drop", "tcp dport 22 accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"ip saddr 203.0.113.7 drop", "tcp dport 22 accept"}), Ssh()).admitted);
  // An IPv4 rule says nothing of an IPv6 session.
  EXPECT_TRUE(
      JudgeNewConnection(Zone({"ip saddr 0.0.0.0/0 drop", "tcp dport 22 accept"}), Ssh("2001:db8::2", "2001:db8::10"))
          .admitted);
  EXPECT_FALSE(JudgeNewConnection(Zone({"ct state established accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"ct state { new, established } tcp dport 22 accept"}), Ssh()).admitted);
}

TEST(SessionCheck, WhatCannotBeReadCountsAgainstAdmission) {
  const SessionVerdict limited = JudgeNewConnection(Zone({"iifname \"x\" drop", "tcp dport 22 accept"}), Ssh());
  EXPECT_FALSE(limited.admitted);
  EXPECT_NE(limited.why.find("may drop"), std::string::npos) << limited.why;
  EXPECT_FALSE(JudgeNewConnection(Zone({"tcp dport 22 limit rate 1/minute accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"tcp dport 22 counter accept"}), Ssh()).admitted);
  EXPECT_TRUE(JudgeNewConnection(Zone({"tcp dport 22 log prefix \"ssh \" accept"}), Ssh()).admitted);
}

}  // namespace
}  // namespace failoverd::firewall
