// The policy checks that keep a typo from cutting a host off (issue 14): selectors
// that cannot match anything, addresses that are no host's, a gateway the bridge
// cannot reach, and zones for interfaces failoverd does not manage.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/suggest.h"
#include "policy_test_util.h"

namespace failoverd::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_util::Errors;
using testing_util::ParseValid;
using testing_util::WithBridge;

TEST(SuggestTest, EditDistance) {
  EXPECT_EQ(EditDistance("physical", "physical"), 0u);
  EXPECT_EQ(EditDistance("physcial", "physical"), 2u);
  EXPECT_EQ(EditDistance("vet", "veth"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(Closest("vet", {"vlan", "veth"}), "veth");
  EXPECT_EQ(Closest("veth", {"veth"}), std::nullopt);       // the word itself is no suggestion
  EXPECT_EQ(Closest("enp3s0", {"physical"}), std::nullopt);  // too far off
}

TEST(SelectorChecksTest, UnknownLinkKindIsRefusedWithASuggestion) {
  EXPECT_THAT(Errors(WithBridge("[nics]\ninclude = [\"kind:vet\"]\n")),
              ElementsAre("p.toml:2:12: 'kind:vet' names no link kind the kernel has; did you mean 'kind:veth'?"));
  EXPECT_THAT(Errors(WithBridge("[nics]\nexclude = [\"kind:ethernet\"]\n")),
              ElementsAre(HasSubstr("p.toml:2:12: 'kind:ethernet' names no link kind the kernel has")));
  EXPECT_EQ(ParseValid(WithBridge("[nics]\ninclude = [\"kind:macvlan\", \"kind:tun\"]\n")).nics.include.size(), 2u);
}

TEST(SelectorChecksTest, MisspeltPhysicalIsRefused) {
  EXPECT_THAT(Errors(WithBridge("[nics]\ninclude = [\"physcial\"]\n")),
              ElementsAre(HasSubstr("p.toml:2:12: 'physcial' looks like a misspelt 'physical'")));
  EXPECT_THAT(Errors(WithBridge("[nics]\ninclude = [\"phisical\"]\n")), ElementsAre(HasSubstr("misspelt")));
  // Tagged, it is a name the administrator means.
  EXPECT_EQ(ParseValid(WithBridge("[nics]\ninclude = [\"name:physcial\"]\n")).nics.include[0].pattern, "physcial");
  // Real interface names and globs are not near the keyword.
  EXPECT_EQ(ParseValid(WithBridge("[nics]\ninclude = [\"enp3s0\", \"eth*\", \"wlp*\"]\n")).nics.include.size(), 3u);
}

TEST(SelectorChecksTest, NameThatNoInterfaceCanHaveIsRefused) {
  EXPECT_THAT(Errors(WithBridge("[nics]\nexclude = [\"knd:veth\"]\n")),
              ElementsAre(HasSubstr("p.toml:2:12: 'knd:veth' cannot match any interface: it contains ':'")));
  EXPECT_THAT(Errors(WithBridge("[nics]\nexclude = [\"a-very-long-interface*\"]\n")),
              ElementsAre(HasSubstr("cannot match any interface: it is longer than an interface name can be")));
  EXPECT_THAT(Errors(WithBridge("[nics]\nexclude = [\"eth 0\"]\n")), ElementsAre(HasSubstr("whitespace")));
  // 16 fixed characters around a glob are too many; 15, or a glob that can be short enough, pass.
  EXPECT_THAT(Errors(WithBridge("[nics]\nexclude = [\"abc*defghijklmnop*\"]\n")), ElementsAre(HasSubstr("longer")));
  EXPECT_EQ(ParseValid(WithBridge("[nics]\nexclude = [\"abcdefghijklmno\", \"abc*defghijkl*\", \"[ab]bcdefghijklmn\"]\n"))
                .nics.exclude.size(),
            3u);
}

TEST(AddressChecksTest, NetworkAndBroadcastAddressesAreRefused) {
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.0/24\"]\n"),
              ElementsAre("p.toml:3:12: '192.0.2.0/24' is the network's own address, not a host's; a host "
                          "address on it is e.g. 192.0.2.1/24"));
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.9/24\", \"198.51.100.255/24\"]\n"),
              ElementsAre(HasSubstr("p.toml:3:28: '198.51.100.255/24' is the network's broadcast address")));
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"2001:db8:1::/64\"]\n"),
              ElementsAre(HasSubstr("subnet-router anycast address")));
  // Point-to-point lengths have neither.
  const Policy p = ParseValid(
      "[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.0/31\", \"192.0.2.7/32\", \"2001:db8::/127\", "
      "\"2001:db8:1::9/64\"]\n");
  EXPECT_EQ(p.bridges[0].addresses.size(), 4u);
}

TEST(GatewayChecksTest, GatewayOutsideEverySubnetIsRefused) {
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.9/24\"]\ngateway = \"198.51.100.1\"\n"),
              ElementsAre("p.toml:4:11: gateway 198.51.100.1 is outside every subnet of this bridge's addresses "
                          "(192.0.2.9/24): the kernel could not reach it; fix the gateway or the prefix length"));
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.9/24\"]\ngateway = \"2001:db8::1\"\n"),
              ElementsAre(HasSubstr("(none of its family)")));
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.9/24\"]\ngateway = \"192.0.2.9\"\n"),
              ElementsAre("p.toml:4:11: gateway 192.0.2.9 is this bridge's own address"));
  // Inside a subnet, an IPv6 link-local gateway, and a bridge whose L3 is someone else's pass.
  EXPECT_EQ(ParseValid("[[bridge]]\nname = \"eth0\"\naddress = [\"192.0.2.9/24\"]\ngateway = \"192.0.2.1\"\n")
                .bridges[0]
                .gateway->ToString(),
            "192.0.2.1");
  EXPECT_TRUE(ParseValid("[[bridge]]\nname = \"eth0\"\naddress = [\"2001:db8:1::9/64\"]\ngateway = \"fe80::1\"\n")
                  .bridges[0]
                  .gateway);
  EXPECT_TRUE(ParseValid("[[bridge]]\nname = \"eth0\"\ngateway = \"192.0.2.1\"\n").bridges[0].gateway);
}

TEST(ZonePositionTest, ZoneKeyPositionIsKept) {
  const Policy p = ParseValid("[[bridge]]\nname = \"eth0\"\nzone = \"lan\"\n\n[[bridge]]\nname = \"eth1\"\n");
  EXPECT_EQ(p.bridges[0].zone_pos.line, 3);
  EXPECT_EQ(p.bridges[0].zone_pos.column, 8);
  EXPECT_EQ(p.bridges[1].zone_pos.line, 5);  // the default: the table itself
}

TEST(InterfaceZoneTest, InterfacesGetZones) {
  const Policy p = ParseValid(
      "[[bridge]]\nname = \"eth0\"\n\n[[interface]]\nname = \"wg0\"\nzone = \"trusted\"\n\n"
      "[[interface]]\nname = \"mgmt0\"\nzone = \"lan\"\n");
  ASSERT_EQ(p.interfaces.size(), 2u);
  EXPECT_EQ(p.interfaces[0].name, "wg0");
  EXPECT_EQ(p.interfaces[0].zone, "trusted");
  EXPECT_EQ(p.interfaces[0].zone_pos.line, 6);
  ASSERT_NE(p.FindInterface("mgmt0"), nullptr);
  EXPECT_EQ(p.FindInterface("mgmt0")->zone, "lan");
}

TEST(InterfaceZoneTest, ProblemsAreRefused) {
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"wg0\"\n")),
              ElementsAre(HasSubstr("p.toml:1:1: missing 'zone' in [[interface]]")));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nzone = \"lan\"\n")),
              ElementsAre("p.toml:1:1: missing 'name' in [[interface]]"));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"lo\"\nzone = \"trusted\"\n")),
              ElementsAre(HasSubstr("interface 'lo' cannot be given a zone")));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"hweth3\"\nzone = \"trusted\"\n")),
              ElementsAre(HasSubstr("starts with the NIC prefix 'hweth'")));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"eth0\"\nzone = \"trusted\"\n")),
              ElementsAre(HasSubstr("'eth0' is already named at line 5")));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"wg0\"\nzone = \"trusted\"\ncolour = \"red\"\n")),
              ElementsAre("p.toml:4:1: unknown key 'colour' in [[interface]]"));
  EXPECT_THAT(Errors(WithBridge("[[interface]]\nname = \"w/0\"\nzone = \"lan\"\n")),
              ElementsAre(HasSubstr("interface name 'w/0' contains '/'")));
}

TEST(StartConfirmTest, WindowIsBounded) {
  EXPECT_EQ(ParseValid(WithBridge("[daemon]\nstart_confirm_s = 0\n")).daemon.start_confirm_s, 0);
  EXPECT_THAT(Errors(WithBridge("[daemon]\nstart_confirm_s = 86401\n")),
              ElementsAre("p.toml:2:19: 'start_confirm_s' must be between 0 and 86400, got 86401"));
}

}  // namespace
}  // namespace failoverd::policy
