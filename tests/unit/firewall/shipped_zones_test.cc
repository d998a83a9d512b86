#include <gtest/gtest.h>

#include <string>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

const std::string kZonesDir = std::string(FAILOVERD_SOURCE_DIR) + "/firewall/zones";

bool Contains(const std::vector<std::string>& rules, const std::string& rule) {
  for (const std::string& r : rules) {
    if (r == rule) return true;
  }
  return false;
}

class ShippedZoneTest : public testing::TestWithParam<const char*> {};

TEST_P(ShippedZoneTest, Parses) {
  Result<ZoneFragment> zone = LoadZone(kZonesDir, GetParam());
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->name, GetParam());
  EXPECT_EQ(zone->path, kZonesDir + "/" + GetParam() + ".nft");
}

INSTANTIATE_TEST_SUITE_P(Zones, ShippedZoneTest,
                         testing::Values("trusted", "lan", "external", "isolated"));

TEST(ShippedZonesTest, TrustedAcceptsEverything) {
  Result<ZoneFragment> zone = LoadZone(kZonesDir, "trusted");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules, std::vector<std::string>{"accept"});
  EXPECT_EQ(zone->forward_rules, std::vector<std::string>{"accept"});
}

TEST(ShippedZonesTest, LanAcceptsIcmpSshAndDhcpReplies) {
  Result<ZoneFragment> zone = LoadZone(kZonesDir, "lan");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_TRUE(Contains(zone->input_rules, "meta l4proto icmp accept"));
  EXPECT_TRUE(Contains(zone->input_rules, "meta l4proto ipv6-icmp accept"));
  EXPECT_TRUE(Contains(zone->input_rules, "tcp dport 22 accept"));
  EXPECT_TRUE(Contains(zone->input_rules, "udp sport 67 udp dport 68 accept"));
  EXPECT_TRUE(Contains(zone->input_rules, "udp sport 547 udp dport 546 accept"));
  EXPECT_TRUE(zone->forward_rules.empty());
}

TEST(ShippedZonesTest, ExternalAcceptsOnlyIcmp) {
  Result<ZoneFragment> zone = LoadZone(kZonesDir, "external");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules, (std::vector<std::string>{"meta l4proto icmp accept",
                                                         "meta l4proto ipv6-icmp accept"}));
  EXPECT_TRUE(zone->forward_rules.empty());
}

TEST(ShippedZonesTest, IsolatedDropsEverything) {
  Result<ZoneFragment> zone = LoadZone(kZonesDir, "isolated");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules, std::vector<std::string>{"drop"});
  EXPECT_EQ(zone->forward_rules, std::vector<std::string>{"drop"});
}

}  // namespace
}  // namespace failoverd::firewall
