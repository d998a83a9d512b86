// [[bridge]]: the keys of one bridge and the rules between bridges.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/policy/policy_test_util.h"

namespace failoverd::policy {
namespace {

using ::testing::ElementsAre;
using testing_util::Errors;
using testing_util::ParseValid;

// A [[bridge]] on line 1 whose name is on line 2; `rest` goes on line 3 on.
std::string Bridge0(const std::string& rest) { return "[[bridge]]\nname = \"eth0\"\n" + rest; }

TEST(BridgeTest, UnknownKey) {
  EXPECT_THAT(Errors(Bridge0("mdoe = \"internal\"\n")),
              ElementsAre("p.toml:3:1: unknown key 'mdoe' in [[bridge]]"));
}

TEST(BridgeTest, MissingNameIsReportedAtTheTable) {
  EXPECT_THAT(Errors("[[bridge]]\nzone = \"lan\"\n"),
              ElementsAre("p.toml:1:1: missing 'name' in [[bridge]]"));
}

TEST(BridgeTest, NameMustBeAString) {
  EXPECT_THAT(Errors("[[bridge]]\nname = 0\n"),
              ElementsAre("p.toml:2:8: expected a string for 'name', got integer"));
}

TEST(BridgeTest, DuplicateNameNamesTheFirstUse) {
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\n\n[[bridge]]\nname = \"eth1\"\n\n"
                     "[[bridge]]\n  name = \"eth0\"\n"),
              ElementsAre("p.toml:8:10: bridge name 'eth0' is already used at line 2"));
}

TEST(BridgeTest, NameMustBeAValidInterfaceName) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "bridge name must not be empty"},
      {"abcdefghijklmnop", "bridge name 'abcdefghijklmnop' is longer than 15 characters"},
      {".", "bridge name '.' is reserved"},
      {"..", "bridge name '..' is reserved"},
      {"all", "bridge name 'all' is reserved by the kernel (net.ipv4.conf.all is not an interface)"},
      {"default", "bridge name 'default' is reserved by the kernel (net.ipv4.conf.default is not an interface)"},
      {"lo", "bridge name 'lo' is the loopback interface every host has"},
      {"br/0", "bridge name 'br/0' contains '/'"},
      {"br:0", "bridge name 'br:0' contains ':'"},
      {"br 0", "bridge name 'br 0' contains whitespace"},
      {"br\\t0", "bridge name 'br\t0' contains whitespace"},
      {"br@0", "bridge name 'br@0' may only contain letters, digits, '_', '-' and '.'"},
      {"br\\\"0", "bridge name 'br\"0' may only contain letters, digits, '_', '-' and '.'"},
  };
  for (const auto& [name, message] : cases) {
    SCOPED_TRACE(name);
    EXPECT_THAT(Errors("[[bridge]]\nname = \"" + name + "\"\n"),
                ElementsAre("p.toml:2:8: " + message));
  }
  // Exactly IFNAMSIZ - 1 characters is fine.
  EXPECT_EQ(ParseValid("[[bridge]]\nname = \"abcdefghijklmno\"\n").bridges[0].name,
            "abcdefghijklmno");
}

TEST(BridgeTest, NameMustNotStartWithTheNicPrefix) {
  EXPECT_THAT(Errors("[[bridge]]\nname = \"hweth0\"\n"),
              ElementsAre("p.toml:2:8: bridge name 'hweth0' starts with the NIC prefix 'hweth'"));
  EXPECT_THAT(Errors("[nics]\nprefix = \"nic\"\n[[bridge]]\nname = \"nicbr\"\n"),
              ElementsAre("p.toml:4:8: bridge name 'nicbr' starts with the NIC prefix 'nic'"));
  // With another prefix, hweth0 is an ordinary bridge name.
  EXPECT_EQ(ParseValid("[nics]\nprefix = \"nic\"\n[[bridge]]\nname = \"hweth0\"\n").bridges.size(),
            1u);
}

TEST(BridgeTest, ModeIsOneOfThree) {
  EXPECT_THAT(Errors(Bridge0("mode = \"bond\"\n")),
              ElementsAre("p.toml:3:8: 'bond' is not a valid mode; expected active-backup, switch "
                          "or internal"));
}

TEST(BridgeTest, SwitchModeIsRefusedForNow) {
  EXPECT_THAT(Errors(Bridge0("mode = \"switch\"\n")),
              ElementsAre("p.toml:3:8: mode 'switch' is not supported yet; use 'active-backup' or "
                          "'internal'"));
}

TEST(BridgeTest, MacMustBeAWordOrAMac) {
  EXPECT_THAT(Errors(Bridge0("mac = \"zz:11:22:33:44:55\"\n")),
              ElementsAre("p.toml:3:7: 'zz:11:22:33:44:55' is not a MAC address, 'stable' or "
                          "'inherit'"));
}

TEST(BridgeTest, MacMustBeUnicast) {
  EXPECT_THAT(Errors(Bridge0("mac = \"01:00:5e:00:00:01\"\n")),
              ElementsAre("p.toml:3:7: '01:00:5e:00:00:01' is a multicast MAC address; a bridge "
                          "needs a unicast one"));
  EXPECT_THAT(Errors(Bridge0("mac = \"00:00:00:00:00:00\"\n")),
              ElementsAre("p.toml:3:7: '00:00:00:00:00:00' is the all-zero MAC address; a bridge "
                          "needs a real one"));
}

TEST(BridgeTest, ZoneIsAFileNameSafeWord) {
  EXPECT_THAT(Errors(Bridge0("zone = \"../lan\"\n")),
              ElementsAre("p.toml:3:8: zone '../lan' may only contain letters, digits, '_' and "
                          "'-'"));
  EXPECT_THAT(Errors(Bridge0("zone = \"\"\n")),
              ElementsAre("p.toml:3:8: 'zone' must not be empty"));
  EXPECT_THAT(Errors(Bridge0("zone = 3\n")),
              ElementsAre("p.toml:3:8: expected a string for 'zone', got integer"));
  EXPECT_EQ(ParseValid(Bridge0("zone = \"Guest_Net-2\"\n")).bridges[0].zone, "Guest_Net-2");
}

TEST(BridgeTest, AddressesNeedAPrefixLength) {
  EXPECT_THAT(Errors(Bridge0("address = [\"192.0.2.9/24\", \"192.0.2.10\", \"10.0.0.1/33\"]\n")),
              ElementsAre("p.toml:3:28: '192.0.2.10' is not an address with a prefix length "
                          "(like 192.0.2.9/24)",
                          "p.toml:3:42: '10.0.0.1/33' is not an address with a prefix length "
                          "(like 192.0.2.9/24)"));
  EXPECT_THAT(Errors(Bridge0("address = \"192.0.2.9/24\"\n")),
              ElementsAre("p.toml:3:11: expected an array for 'address', got string"));
}

TEST(BridgeTest, GatewayIsAnAddress) {
  EXPECT_THAT(Errors(Bridge0("gateway = \"192.0.2.1/24\"\n")),
              ElementsAre("p.toml:3:11: '192.0.2.1/24' is not an IP address"));
}

TEST(BridgeTest, StpIsABoolean) {
  EXPECT_THAT(Errors(Bridge0("stp = \"yes\"\n")),
              ElementsAre("p.toml:3:7: expected a boolean for 'stp', got string"));
}

TEST(BridgeTest, ForwardDelayRange) {
  EXPECT_THAT(Errors(Bridge0("forward_delay_s = 31\n")),
              ElementsAre("p.toml:3:19: 'forward_delay_s' must be between 0 and 30, got 31"));
  EXPECT_THAT(Errors(Bridge0("forward_delay_s = -1\n")),
              ElementsAre("p.toml:3:19: 'forward_delay_s' must be between 0 and 30, got -1"));
  EXPECT_EQ(ParseValid(Bridge0("forward_delay_s = 30\n")).bridges[0].forward_delay_s, 30);
}

TEST(BridgeTest, ForwardDelayWithStpFollowsTheKernelLimit) {
  EXPECT_THAT(Errors(Bridge0("stp = true\nforward_delay_s = 1\n")),
              ElementsAre("p.toml:4:19: 'forward_delay_s' must be between 2 and 30 when stp = "
                          "true, got 1"));
  EXPECT_EQ(ParseValid(Bridge0("stp = true\nforward_delay_s = 2\n")).bridges[0].forward_delay_s,
            2);
  // Without a value the kernel's own default is used rather than the refused 0.
  EXPECT_EQ(ParseValid(Bridge0("stp = true\n")).bridges[0].forward_delay_s, 15);
  EXPECT_EQ(ParseValid(Bridge0("stp = false\n")).bridges[0].forward_delay_s, 0);
}

TEST(BridgeTest, SparesIsABoolean) {
  EXPECT_THAT(Errors(Bridge0("spares = 1\n")),
              ElementsAre("p.toml:3:10: expected a boolean for 'spares', got integer"));
}

TEST(BridgeTest, FailbackIsNeverOrPreferred) {
  EXPECT_THAT(Errors(Bridge0("failback = \"always\"\n")),
              ElementsAre("p.toml:3:12: 'always' is not a valid failback; expected never or "
                          "preferred"));
}

TEST(BridgeTest, InternalBridgeHasNoPorts) {
  EXPECT_THAT(Errors(Bridge0("mode = \"internal\"\nports = [ { name = \"hweth0\" } ]\n")),
              ElementsAre("p.toml:4:9: 'ports' is not allowed with mode 'internal' (an internal "
                          "bridge has no NICs)"));
  // An explicitly empty list says the same as no list.
  EXPECT_EQ(ParseValid(Bridge0("mode = \"internal\"\nports = []\n")).bridges[0].mode,
            BridgeMode::kInternal);
}

TEST(BridgeTest, InternalBridgeCannotInheritAMac) {
  EXPECT_THAT(Errors(Bridge0("mode = \"internal\"\nmac = \"inherit\"\n")),
              ElementsAre("p.toml:4:7: mac 'inherit' is not allowed with mode 'internal' (there is "
                          "no NIC to inherit from)"));
}

TEST(BridgeTest, SeveralBridgesWithoutAddressAreFine) {
  const Policy policy = ParseValid(
      "[[bridge]]\nname = \"eth0\"\n[[bridge]]\nname = \"eth1\"\n"
      "[[bridge]]\nname = \"vmbr0\"\nmode = \"internal\"\n");
  ASSERT_EQ(policy.bridges.size(), 3u);
  EXPECT_TRUE(policy.bridges[0].addresses.empty());
  EXPECT_TRUE(policy.bridges[1].addresses.empty());
  EXPECT_EQ(policy.bridges[2].pos.line, 5);
}

}  // namespace
}  // namespace failoverd::policy
