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
  ZoneFragment zone;
  zone.name = "z";
  zone.path = "z.nft";
  zone.input_rules = std::move(input);
  zone.forward_rules = std::move(forward);
  return BridgeZone{bridge, std::move(zone)};
}

TableSpec Governing(std::vector<std::string> governed, std::vector<BridgeZone> zones = {}) {
  TableSpec spec;
  spec.governed = std::move(governed);
  spec.zones = std::move(zones);
  return spec;
}

TEST(RulesetTest, TheSweepGuardDropsWhatTheHostSendsOnAConnectionTakenUpMidStream) {
  EXPECT_EQ(SweepGuardScript({"eth0", "eth1"}),
            "table inet failoverd_sweep\n"
            "delete table inet failoverd_sweep\n"
            "table inet failoverd_sweep {\n"
            "\tchain output {\n"
            "\t\ttype filter hook output priority filter; policy accept;\n"
            "\t\toifname { \"eth0\", \"eth1\" } ct state new tcp flags & (syn | rst) == 0 drop\n"
            "\t}\n"
            "}\n");
  EXPECT_EQ(SweepGuardScript({}), "table inet failoverd_sweep\ndelete table inet failoverd_sweep\n");
}

TEST(RulesetTest, TableScriptReplacesTheTableInOneScript) {
  for (const std::string& script : {ZeroPhaseScript(), TableScript(Governing({"eth0"}))}) {
    // Create (a no-op when present), delete, define: valid with or without a table.
    EXPECT_EQ(script.rfind("table inet failoverd\ndelete table inet failoverd\n"
                           "table inet failoverd {\n",
                           0),
              0u)
        << script;
    EXPECT_EQ(Count(script, "delete table"), 1u);
  }
}

TEST(RulesetTest, TableDeclaresVerdictMapsAndTheGovernedSet) {
  std::string script = TableScript(Governing({"eth0", "wg0"}));
  size_t in = Find(script, "map zone_input {\n\t\ttype ifname : verdict\n");
  size_t fwd = Find(script, "map zone_forward {\n\t\ttype ifname : verdict\n");
  size_t governed = Find(script, "set governed {\n\t\ttype ifname\n\t\telements = { \"eth0\", \"wg0\" }\n");
  // Maps and the set are referenced by the chains, so they come first.
  for (size_t at : {in, fwd, governed}) EXPECT_LT(at, Find(script, "chain input {"));
  EXPECT_EQ(ZeroPhaseScript().find("elements"), std::string::npos);
}

// After takeover: failoverd judges only what it governs; other interfaces pass.
TEST(RulesetTest, TakeoverInputChainOrder) {
  std::string script = TableScript(Governing({"eth0"}));
  size_t chain = Find(script, "chain input {\n");
  size_t hook = Find(script, "type filter hook input priority filter; policy accept;\n", chain);
  size_t lo = Find(script, "iif \"lo\" accept\n", hook);
  size_t vmap = Find(script, "iifname vmap @zone_input\n", lo);
  size_t replies = Find(script, "iifname @governed ct state established,related accept\n", vmap);
  size_t drop = Find(script, "iifname @governed drop\n", replies);
  size_t nics = Find(script, "iifname \"hweth*\" drop\n", drop);
  EXPECT_EQ(hook, chain + std::string("chain input {\n\t\t").size());
  EXPECT_LT(nics, Find(script, "chain forward {"));
  // No blanket accept of replies outside the governed interfaces: they pass anyway.
  EXPECT_EQ(Count(script, "ct state established,related accept"), 2u);
}

TEST(RulesetTest, TakeoverForwardChainOrder) {
  std::string script = TableScript(Governing({"eth0"}));
  size_t chain = Find(script, "chain forward {\n");
  size_t hook = Find(script, "type filter hook forward priority filter; policy accept;\n", chain);
  size_t vmap = Find(script, "iifname vmap @zone_forward\n", hook);
  size_t drop = Find(script, "iifname @governed drop\n", vmap);
  Find(script, "iifname \"hweth*\" drop\n", drop);
  EXPECT_EQ(script.find("iif \"lo\"", chain), std::string::npos);
}

TEST(RulesetTest, NicPrefixComesFromThePolicy) {
  TableSpec spec = Governing({"eth0"});
  spec.nic_prefix = "nic";
  const std::string script = TableScript(spec);
  EXPECT_EQ(Count(script, "iifname \"nic*\" drop\n"), 2u);
  EXPECT_EQ(script.find("hweth"), std::string::npos);
}

// Before takeover: everything but lo (and what the last good policy leaves open) is dropped.
TEST(RulesetTest, ZeroPhaseDropsEverythingElse) {
  std::string script = ZeroPhaseScript();
  EXPECT_EQ(script.find("hook output"), std::string::npos);
  EXPECT_EQ(Count(script, "policy drop"), 2u);
  EXPECT_EQ(Count(script, "policy accept"), 0u);
  // Replies to what the host opened itself still come in, on any interface.
  size_t input = Find(script, "chain input {");
  size_t nics = Find(script, "iifname \"hweth*\" drop\n", input);
  Find(script, "\t\tct state established,related accept\n", nics);
}

TEST(RulesetTest, ZeroPhaseOfTheLastGoodPolicyOpensItsExclusions) {
  TableSpec spec = Governing({"eth0"});
  spec.before_takeover = true;
  spec.open = {"mgmt0", "bmc*"};
  const std::string script = TableScript(spec);
  EXPECT_EQ(Count(script, "iifname \"mgmt0\" accept\n"), 2u);
  EXPECT_EQ(Count(script, "iifname \"bmc*\" accept\n"), 2u);
  // Governed interfaces and NICs are judged first: an open entry cannot reopen them.
  EXPECT_LT(Find(script, "iifname \"hweth*\" drop\n"), Find(script, "iifname \"mgmt0\" accept\n"));
  EXPECT_EQ(TableScript(Governing({"eth0"})).find("mgmt0"), std::string::npos);  // after takeover they just pass
}

// What input and forward accepted is marked, after them, so that after a repair the
// daemon can tell the connections no zone accepted (opened while the table was gone).
TEST(RulesetTest, AcceptedNewConnectionsAreMarkedAfterInputAndForward) {
  EXPECT_EQ(kAcceptedCtMark & (kAcceptedCtMark - 1), 0u) << "one bit";
  for (const std::string& script : {ZeroPhaseScript(), TableScript(Governing({"eth0"}))}) {
    SCOPED_TRACE(script);
    for (const std::string hook : {"input", "forward"}) {
      size_t filter = Find(script, "chain " + hook + " {\n\t\ttype filter hook " + hook + " priority filter;");
      size_t chain = Find(script, "\tchain mark_" + hook + " {\n");
      EXPECT_LT(filter, chain);
      // A later priority on the same hook: only what the filter chain let through gets
      // here. No policy (a base chain without one accepts), no verdict: it only marks.
      Find(script, "\t\ttype filter hook " + hook + " priority filter + 10;\n"
                   "\t\tct state new ct mark set ct mark or 0x01000000\n\t}\n", chain);
    }
    // The bit is ORed in: the rest of the ct mark is the administrator's.
    EXPECT_EQ(script.find("ct mark set 0x"), std::string::npos);
    EXPECT_EQ(Count(script, "ct mark set"), 2u);
    EXPECT_EQ(script.find("hook output"), std::string::npos);
  }
}

TEST(RulesetTest, TableAppendsTheZones) {
  BridgeZone eth0 = Bridge("eth0", {"tcp dport 22 accept"}, {});
  BridgeZone eth1 = Bridge("eth1", {"drop"}, {"drop"});
  std::string script = TableScript(Governing({"eth0", "eth1"}, {eth0, eth1}));
  // After the table's closing brace: eth0's zone, then eth1's, each in full.
  const size_t table_end = Find(script, "\n}\n") + 3;
  EXPECT_EQ(script.substr(table_end),
            "add chain inet failoverd in_eth0\n"
            "flush chain inet failoverd in_eth0\n"
            "add rule inet failoverd in_eth0 tcp dport 22 accept\n"
            "add chain inet failoverd fwd_eth0\n"
            "flush chain inet failoverd fwd_eth0\n"
            "add rule inet failoverd fwd_eth0 oifname \"eth0\" accept\n"
            "add element inet failoverd zone_input { \"eth0\" : jump in_eth0 }\n"
            "add element inet failoverd zone_forward { \"eth0\" : jump fwd_eth0 }\n"
            "add element inet failoverd governed { \"eth0\" }\n"
            "add chain inet failoverd in_eth1\n"
            "flush chain inet failoverd in_eth1\n"
            "add rule inet failoverd in_eth1 drop\n"
            "add chain inet failoverd fwd_eth1\n"
            "flush chain inet failoverd fwd_eth1\n"
            "add rule inet failoverd fwd_eth1 oifname \"eth1\" accept\n"
            "add rule inet failoverd fwd_eth1 drop\n"
            "add element inet failoverd zone_input { \"eth1\" : jump in_eth1 }\n"
            "add element inet failoverd zone_forward { \"eth1\" : jump fwd_eth1 }\n"
            "add element inet failoverd governed { \"eth1\" }\n");
  EXPECT_EQ(script.substr(0, table_end), TableScript(Governing({"eth0", "eth1"})));
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
            "add rule inet failoverd fwd_eth0 oifname \"eth0\" accept\n"
            "add rule inet failoverd fwd_eth0 drop\n"
            "add element inet failoverd zone_input { \"eth0\" : jump in_eth0 }\n"
            "add element inet failoverd zone_forward { \"eth0\" : jump fwd_eth0 }\n"
            "add element inet failoverd governed { \"eth0\" }\n");
}

// Bridged frames (br_netfilter) go in and out of the same bridge: layer 2, never the zone's.
TEST(RulesetTest, BridgedTrafficPassesBeforeTheZoneForwardRules) {
  std::string script = InstallZoneScript(Bridge("br0", {}, {"drop"}));
  EXPECT_LT(Find(script, "add rule inet failoverd fwd_br0 oifname \"br0\" accept\n"),
            Find(script, "add rule inet failoverd fwd_br0 drop\n"));
  EXPECT_EQ(script.find("in_br0 oifname"), std::string::npos);
}

TEST(RulesetTest, InstallOfAnEmptyZoneStillCreatesChainsAndElements) {
  std::string script = InstallZoneScript(Bridge("br0", {}, {}));
  Find(script, "add chain inet failoverd in_br0\n");
  Find(script, "add chain inet failoverd fwd_br0\n");
  Find(script, "add element inet failoverd zone_input { \"br0\" : jump in_br0 }\n");
  EXPECT_EQ(Count(script, "add rule"), 1u);  // only the bridged-traffic rule
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
            "delete chain inet failoverd fwd_eth0\n"
            "add element inet failoverd governed { \"eth0\" }\n"
            "delete element inet failoverd governed { \"eth0\" }\n");
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
