// A bridge's ports entries, [bridge.identify], and NICs preferred twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/policy/policy_test_util.h"

namespace failoverd::policy {
namespace {

using ::testing::ElementsAre;
using testing_util::Errors;
using testing_util::ParseValid;

std::string Bridge0(const std::string& rest) { return "[[bridge]]\nname = \"eth0\"\n" + rest; }

TEST(PortsTest, EntriesAreTables) {
  EXPECT_THAT(Errors(Bridge0("ports = [ \"hweth0\" ]\n")),
              ElementsAre("p.toml:3:11: expected a table like { mac = \"...\" } in 'ports', got "
                          "string"));
  EXPECT_THAT(Errors(Bridge0("ports = { name = \"hweth0\" }\n")),
              ElementsAre("p.toml:3:9: expected an array for 'ports', got table"));
}

TEST(PortsTest, EntryNeedsASelector) {
  EXPECT_THAT(Errors(Bridge0("ports = [ {} ]\n")),
              ElementsAre("p.toml:3:11: a ports entry needs one of mac, path, driver or name"));
}

TEST(PortsTest, EntryHasExactlyOneSelector) {
  EXPECT_THAT(Errors(Bridge0("ports = [ { mac = \"02:00:00:00:01:01\", path = \"pci-*\" } ]\n")),
              ElementsAre("p.toml:3:11: a ports entry must have exactly one of mac, path, driver "
                          "or name, got mac and path"));
}

TEST(PortsTest, UnknownKeyInEntry) {
  // Only the unknown key is reported, not also a missing selector.
  EXPECT_THAT(Errors(Bridge0("ports = [ { macc = \"02:00:00:00:01:01\" } ]\n")),
              ElementsAre("p.toml:3:13: unknown key 'macc' in a ports entry"));
}

TEST(PortsTest, MacMustParse) {
  EXPECT_THAT(Errors(Bridge0("ports = [ { mac = \"zz:11:22:33:44:55\" } ]\n")),
              ElementsAre("p.toml:3:19: 'zz:11:22:33:44:55' is not a MAC address"));
}

TEST(PortsTest, PatternsMustBeNonEmptyStrings) {
  EXPECT_THAT(Errors(Bridge0("ports = [ { driver = \"\" } ]\n")),
              ElementsAre("p.toml:3:22: 'driver' must not be empty"));
  EXPECT_THAT(Errors(Bridge0("ports = [ { name = 5 } ]\n")),
              ElementsAre("p.toml:3:20: expected a string for 'name', got integer"));
}

TEST(PortsTest, SelectorsKeepOrderAndPosition) {
  const Policy policy = ParseValid(Bridge0(
      "ports = [ { mac = \"02:AA:00:00:01:01\" }, { path = \"pci-0000:03:00.*\" },\n"
      "          { driver = \"igb\" }, { name = \"hweth2\" } ]\n"));
  const auto& ports = policy.bridges.at(0).ports;
  ASSERT_EQ(ports.size(), 4u);
  EXPECT_EQ(ports[0].kind, NicSelector::Kind::kMac);
  EXPECT_EQ(ports[0].pattern, "02:aa:00:00:01:01");  // canonical form
  EXPECT_EQ(ports[1].kind, NicSelector::Kind::kPath);
  EXPECT_EQ(ports[1].pattern, "pci-0000:03:00.*");
  EXPECT_EQ(ports[2].kind, NicSelector::Kind::kDriver);
  EXPECT_EQ(ports[2].pattern, "igb");
  EXPECT_EQ(ports[3].kind, NicSelector::Kind::kName);
  EXPECT_EQ(ports[3].pattern, "hweth2");
  EXPECT_EQ(ports[2].pos.line, 4);
  EXPECT_EQ(ports[2].pos.column, 11);
}

TEST(PortsTest, ArrayOfTablesFormMeansTheSame) {
  const Policy policy = ParseValid(Bridge0("[[bridge.ports]]\ndriver = \"igb\"\n"));
  ASSERT_EQ(policy.bridges.at(0).ports.size(), 1u);
  EXPECT_EQ(policy.bridges[0].ports[0].kind, NicSelector::Kind::kDriver);
}

TEST(PreferredTwiceTest, SameMacInTwoBridges) {
  // MACs are compared as values: case does not make them different.
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\nports = [ { mac = \"02:00:00:00:01:01\" } ]\n"
                     "[[bridge]]\nname = \"eth1\"\n"
                     "ports = [ { name = \"x\" }, { mac = \"02:00:00:00:01:01\" } ]\n"
                     "[[bridge]]\nname = \"eth2\"\nports = [ { mac = \"02-00-00-00-01-01\" } ]\n"),
              ElementsAre("p.toml:6:27: port { mac = \"02:00:00:00:01:01\" } is already preferred "
                          "by bridge 'eth0'",
                          "p.toml:9:11: port { mac = \"02:00:00:00:01:01\" } is already preferred "
                          "by bridge 'eth0'"));
}

TEST(PreferredTwiceTest, SamePatternTwiceInOneBridge) {
  EXPECT_THAT(Errors(Bridge0("ports = [ { path = \"pci-0000:03:00.0\" }, { driver = \"igb\" },\n"
                             "          { path = \"pci-0000:03:00.0\" } ]\n")),
              ElementsAre("p.toml:4:11: port { path = \"pci-0000:03:00.0\" } is already preferred "
                          "by bridge 'eth0'"));
}

TEST(PreferredTwiceTest, AnUnnamedBridgeIsNamedByItsLine) {
  EXPECT_THAT(Errors("[[bridge]]\nports = [ { name = \"x\" } ]\n"
                     "[[bridge]]\nname = \"eth1\"\nports = [ { name = \"x\" } ]\n"),
              ElementsAre("p.toml:1:1: missing 'name' in [[bridge]]",
                          "p.toml:5:11: port { name = \"x\" } is already preferred by the "
                          "[[bridge]] at line 1"));
}

TEST(PreferredTwiceTest, DifferentKindsDoNotClash) {
  const Policy policy = ParseValid(
      "[[bridge]]\nname = \"eth0\"\nports = [ { name = \"igb\" } ]\n"
      "[[bridge]]\nname = \"eth1\"\nports = [ { driver = \"igb\" } ]\n");
  EXPECT_EQ(policy.bridges.size(), 2u);
}

TEST(IdentifyTest, UnknownKey) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nlldp_chasis = \"sw1\"\n")),
              ElementsAre("p.toml:4:1: unknown key 'lldp_chasis' in [bridge.identify]"));
}

TEST(IdentifyTest, IdentifyIsATable) {
  EXPECT_THAT(Errors(Bridge0("identify = \"lldp\"\n")),
              ElementsAre("p.toml:3:12: expected a table for 'identify', got string"));
}

TEST(IdentifyTest, LldpKeysAreNonEmptyStrings) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nlldp_chassis = 5\n")),
              ElementsAre("p.toml:4:16: expected a string for 'lldp_chassis', got integer"));
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nlldp_port = \"\"\n")),
              ElementsAre("p.toml:4:13: 'lldp_port' must not be empty"));
}

TEST(IdentifyTest, ArpTargetIsIpv4) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\narp_target = \"2001:db8::1\"\n")),
              ElementsAre("p.toml:4:14: '2001:db8::1' is not an IPv4 address"));
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\narp_target = \"10.0.0.1/24\"\n")),
              ElementsAre("p.toml:4:14: '10.0.0.1/24' is not an IPv4 address"));
}

TEST(IdentifyTest, RaPrefixIsIpv6Prefix) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nra_prefix = \"10.0.0.0/8\"\n")),
              ElementsAre("p.toml:4:13: '10.0.0.0/8' is not an IPv6 prefix (like "
                          "2001:db8:1::/64)"));
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nra_prefix = \"2001:db8:1::\"\n")),
              ElementsAre("p.toml:4:13: '2001:db8:1::' is not an IPv6 prefix (like "
                          "2001:db8:1::/64)"));
}

TEST(IdentifyTest, RequireIsOneOfThree) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\narp_target = \"192.0.2.1\"\n"
                             "require = \"always\"\n")),
              ElementsAre("p.toml:5:11: 'always' is not a valid require; expected none, confirmed "
                          "or remembered"));
}

TEST(IdentifyTest, RequireNeedsSomethingToCheck) {
  EXPECT_THAT(Errors(Bridge0("[bridge.identify]\nrequire = \"confirmed\"\n")),
              ElementsAre("p.toml:4:11: require 'confirmed' needs at least one identify key "
                          "(lldp_chassis, lldp_port, lldp_system, arp_target or ra_prefix)"));
  EXPECT_THAT(Errors(Bridge0("identify = { require = \"remembered\" }\n")),
              ElementsAre("p.toml:3:24: require 'remembered' needs at least one identify key "
                          "(lldp_chassis, lldp_port, lldp_system, arp_target or ra_prefix)"));
  const Policy none = ParseValid(Bridge0("[bridge.identify]\nrequire = \"none\"\n"));
  EXPECT_EQ(none.bridges.at(0).identify.require, Require::kNone);
}

TEST(IdentifyTest, RequireDefaultsToConfirmedOnlyWithKeys) {
  EXPECT_EQ(ParseValid(Bridge0("[bridge.identify]\nlldp_system = \"core-*\"\n"))
                .bridges[0]
                .identify.require,
            Require::kConfirmed);
  EXPECT_EQ(ParseValid(Bridge0("[bridge.identify]\n")).bridges[0].identify.require,
            Require::kNone);
  EXPECT_EQ(ParseValid(Bridge0("")).bridges[0].identify.require, Require::kNone);
  EXPECT_EQ(ParseValid(Bridge0("[bridge.identify]\nra_prefix = \"2001:db8::/64\"\n"
                               "require = \"remembered\"\n"))
                .bridges[0]
                .identify.require,
            Require::kRemembered);
}

}  // namespace
}  // namespace failoverd::policy
