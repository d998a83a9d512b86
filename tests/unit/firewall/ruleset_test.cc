#include <gtest/gtest.h>

#include <string>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

// Position of `piece` in `text`, failing the test when it is missing.
size_t Find(const std::string& text, const std::string& piece, size_t from = 0) {
  size_t at = text.find(piece, from);
  EXPECT_NE(at, std::string::npos) << "missing '" << piece << "' in:\n" << text;
  return at;
}

size_t Count(const std::string& text, const std::string& piece) {
  size_t n = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

BridgeZone Bridge(const std::string& bridge, std::vector<std::string> input,
                  std::vector<std::string> forward) {
  return BridgeZone{bridge, ZoneFragment{"z", "z.nft", std::move(input), std::move(forward)}};
}

TEST(RulesetTest, ZeroPhaseReplacesTheTableInOneScript) {
  std::string script = ZeroPhaseScript({});
  // Create (a no-op when present), delete, define: valid with or without a table.
  EXPECT_EQ(script.rfind("table inet failoverd\ndelete table inet failoverd\n"
                         "table inet failoverd {\n",
                         0),
            0u)
      << script;
  EXPECT_EQ(Count(script, "delete table"), 1u);
}

TEST(RulesetTest, ZeroPhaseDeclaresVerdictMaps) {
  std::string script = ZeroPhaseScript({});
  size_t in = Find(script, "map zone_input {\n\t\ttype ifname : verdict\n");
  size_t fwd = Find(script, "map zone_forward {\n\t\ttype ifname : verdict\n");
  // Maps are referenced by the chains, so they come first.
  EXPECT_LT(in, Find(script, "chain input {"));
  EXPECT_LT(fwd, Find(script, "chain input {"));
}

TEST(RulesetTest, ZeroPhaseInputChainOrder) {
  std::string script = ZeroPhaseScript({});
  size_t chain = Find(script, "chain input {\n");
  size_t hook = Find(script, "type filter hook input priority filter; policy drop;\n", chain);
  size_t lo = Find(script, "iif \"lo\" accept\n", hook);
  size_t vmap = Find(script, "iifname vmap @zone_input\n", lo);
  size_t established = Find(script, "ct state established,related accept\n", vmap);
  EXPECT_EQ(hook, chain + std::string("chain input {\n\t\t").size());
  EXPECT_LT(established, Find(script, "chain forward {"));
}

TEST(RulesetTest, ZeroPhaseForwardChainOrder) {
  std::string script = ZeroPhaseScript({});
  size_t chain = Find(script, "chain forward {\n");
  size_t hook = Find(script, "type filter hook forward priority filter; policy drop;\n", chain);
  size_t vmap = Find(script, "iifname vmap @zone_forward\n", hook);
  Find(script, "ct state established,related accept\n", vmap);
  EXPECT_EQ(script.find("iif \"lo\"", chain), std::string::npos);
}

TEST(RulesetTest, ZeroPhaseLeavesOutputOpen) {
  std::string script = ZeroPhaseScript({});
  EXPECT_EQ(script.find("hook output"), std::string::npos);
  EXPECT_EQ(Count(script, "policy drop"), 2u);
}

TEST(RulesetTest, ZeroPhaseAppendsTheAdoptedBridges) {
  BridgeZone eth0 = Bridge("eth0", {"tcp dport 22 accept"}, {});
  BridgeZone eth1 = Bridge("eth1", {"drop"}, {"drop"});
  std::string script = ZeroPhaseScript({eth0, eth1});
  std::string base = ZeroPhaseScript({});
  EXPECT_EQ(script, base + InstallZoneScript(eth0) + InstallZoneScript(eth1));
}

TEST(RulesetTest, InstallFillsBothChainsThenAddsTheElements) {
  std::string script =
      InstallZoneScript(Bridge("eth0", {"meta l4proto icmp accept", "tcp dport 22 accept"},
                               {"drop"}));
  EXPECT_EQ(script,
            "add chain inet failoverd in_eth0\n"
            "flush chain inet failoverd in_eth0\n"
            "add rule inet failoverd in_eth0 meta l4proto icmp accept\n"
            "add rule inet failoverd in_eth0 tcp dport 22 accept\n"
            "add chain inet failoverd fwd_eth0\n"
            "flush chain inet failoverd fwd_eth0\n"
            "add rule inet failoverd fwd_eth0 drop\n"
            "add element inet failoverd zone_input { \"eth0\" : jump in_eth0 }\n"
            "add element inet failoverd zone_forward { \"eth0\" : jump fwd_eth0 }\n");
}

TEST(RulesetTest, InstallOfAnEmptyZoneStillCreatesChainsAndElements) {
  std::string script = InstallZoneScript(Bridge("br0", {}, {}));
  Find(script, "add chain inet failoverd in_br0\n");
  Find(script, "add chain inet failoverd fwd_br0\n");
  Find(script, "add element inet failoverd zone_input { \"br0\" : jump in_br0 }\n");
  EXPECT_EQ(script.find("add rule"), std::string::npos);
}

TEST(RulesetTest, BridgeNamesWithDashAndDot) {
  std::string script = InstallZoneScript(Bridge("br-lan.100", {"accept"}, {}));
  Find(script, "add chain inet failoverd in_br-lan.100\n");
  Find(script, "add rule inet failoverd in_br-lan.100 accept\n");
  Find(script, "add element inet failoverd zone_input { \"br-lan.100\" : jump in_br-lan.100 }\n");
  Find(script,
       "add element inet failoverd zone_forward { \"br-lan.100\" : jump fwd_br-lan.100 }\n");
  std::string remove = RemoveZoneScript("br-lan.100");
  Find(remove, "delete chain inet failoverd in_br-lan.100\n");
  Find(remove, "delete element inet failoverd zone_forward { \"br-lan.100\" : jump fwd_br-lan.100 }\n");
}

TEST(RulesetTest, RemoveAddsThenDeletesInADeletableOrder) {
  std::string script = RemoveZoneScript("eth0");
  EXPECT_EQ(script,
            "add chain inet failoverd in_eth0\n"
            "add chain inet failoverd fwd_eth0\n"
            "add element inet failoverd zone_input { \"eth0\" : jump in_eth0 }\n"
            "add element inet failoverd zone_forward { \"eth0\" : jump fwd_eth0 }\n"
            "delete element inet failoverd zone_input { \"eth0\" : jump in_eth0 }\n"
            "delete element inet failoverd zone_forward { \"eth0\" : jump fwd_eth0 }\n"
            "flush chain inet failoverd in_eth0\n"
            "flush chain inet failoverd fwd_eth0\n"
            "delete chain inet failoverd in_eth0\n"
            "delete chain inet failoverd fwd_eth0\n");
}

TEST(RulesetTest, BridgeNamesAreChecked) {
  EXPECT_TRUE(CheckBridgeName("eth0").ok());
  EXPECT_TRUE(CheckBridgeName("br-lan.100").ok());
  EXPECT_TRUE(CheckBridgeName("a_b").ok());
  EXPECT_TRUE(CheckBridgeName("123456789012345").ok());
  EXPECT_FALSE(CheckBridgeName("1234567890123456").ok());
  EXPECT_FALSE(CheckBridgeName("").ok());
  EXPECT_FALSE(CheckBridgeName(".").ok());
  EXPECT_FALSE(CheckBridgeName("..").ok());
  EXPECT_FALSE(CheckBridgeName("eth\"0").ok());
  EXPECT_FALSE(CheckBridgeName("eth 0").ok());
  EXPECT_FALSE(CheckBridgeName("eth0*").ok());
  EXPECT_FALSE(CheckBridgeName("a/b").ok());
  EXPECT_EQ(InputChainName("eth0"), "in_eth0");
  EXPECT_EQ(ForwardChainName("eth0"), "fwd_eth0");
}

}  // namespace
}  // namespace failoverd::firewall
