// [daemon], [nics] and the top level of policy.toml.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/policy/policy_test_util.h"

namespace failoverd::policy {
namespace {

using ::testing::ElementsAre;
using testing_util::Errors;
using testing_util::ParseValid;
using testing_util::WithBridge;

TEST(TopLevelTest, UnknownSectionIsAnError) {
  EXPECT_THAT(Errors("[deamon]\nstate_dir = \"/x\"\n"),
              ElementsAre("p.toml:1:2: unknown key 'deamon' at top level"));
}

TEST(TopLevelTest, UnknownTopLevelValueIsAnError) {
  EXPECT_THAT(Errors("verbose = true\n"),
              ElementsAre("p.toml:1:1: unknown key 'verbose' at top level"));
}

TEST(TopLevelTest, SectionMustBeATable) {
  EXPECT_THAT(Errors("daemon = 5\n"),
              ElementsAre("p.toml:1:10: expected a table for 'daemon', got integer"));
}

TEST(TopLevelTest, BridgeMustBeAnArrayOfTables) {
  EXPECT_THAT(
      Errors("[bridge]\nname = \"eth0\"\n"),
      ElementsAre(
          "p.toml:1:1: expected an array of tables for 'bridge' (write [[bridge]]), got table"));
  EXPECT_THAT(Errors("bridge = [\"eth0\"]\n"),
              ElementsAre("p.toml:1:11: expected a table in 'bridge', got string"));
}

TEST(DaemonTest, UnknownKey) {
  EXPECT_THAT(Errors("[daemon]\nstate_dri = \"/x\"\n"),
              ElementsAre("p.toml:2:1: unknown key 'state_dri' in [daemon]"));
}

TEST(DaemonTest, PathsMustBeAbsolute) {
  EXPECT_THAT(Errors("[daemon]\nstate_dir = \"var/lib/failoverd\"\n"),
              ElementsAre("p.toml:2:13: 'state_dir' must be an absolute path, got "
                          "'var/lib/failoverd'"));
  EXPECT_THAT(Errors("[daemon]\nzones_dir = \"zones\"\n"),
              ElementsAre("p.toml:2:13: 'zones_dir' must be an absolute path, got 'zones'"));
}

TEST(DaemonTest, PathsMustNotBeEmpty) {
  EXPECT_THAT(Errors("[daemon]\ncontrol_socket = \"\"\n"),
              ElementsAre("p.toml:2:18: 'control_socket' must not be empty"));
}

TEST(DaemonTest, ControlGroupMustNotBeEmpty) {
  EXPECT_THAT(Errors("[daemon]\ncontrol_group = \"\"\n"),
              ElementsAre("p.toml:2:17: 'control_group' must not be empty"));
}

TEST(DaemonTest, DelaysAreBounded) {
  EXPECT_THAT(Errors("[daemon]\nhold_down_ms = 600001\n"),
              ElementsAre("p.toml:2:16: 'hold_down_ms' must be between 0 and 600000, got 600001"));
  EXPECT_THAT(Errors("[daemon]\nup_delay_ms = -1\n"),
              ElementsAre("p.toml:2:15: 'up_delay_ms' must be between 0 and 600000, got -1"));
  // Far outside int: must not be truncated into range.
  EXPECT_THAT(Errors("[daemon]\nup_delay_ms = 4294967296\n"),
              ElementsAre("p.toml:2:15: 'up_delay_ms' must be between 0 and 600000, got "
                          "4294967296"));
  EXPECT_EQ(ParseValid(WithBridge("[daemon]\nhold_down_ms = 600000\n")).daemon.hold_down_ms, 600000);
}

TEST(DaemonTest, WrongTypeIsNamed) {
  EXPECT_THAT(Errors("[daemon]\nhold_down_ms = \"5\"\n"),
              ElementsAre("p.toml:2:16: expected an integer for 'hold_down_ms', got string"));
  EXPECT_THAT(Errors("[daemon]\nup_delay_ms = 1.5\n"),
              ElementsAre("p.toml:2:15: expected an integer for 'up_delay_ms', got float"));
  EXPECT_THAT(Errors("[daemon]\ncontrol_group = 0\n"),
              ElementsAre("p.toml:2:17: expected a string for 'control_group', got integer"));
}

TEST(DaemonTest, UdevSourceIsOneOfTwoWords) {
  EXPECT_THAT(Errors("[daemon]\nudev_source = \"systemd\"\n"),
              ElementsAre("p.toml:2:15: 'systemd' is not a valid udev_source; expected udev or "
                          "kernel"));
  EXPECT_EQ(ParseValid(WithBridge("[daemon]\nudev_source = \"kernel\"\n")).daemon.udev_source,
            UdevSource::kKernel);
}

TEST(NicsTest, UnknownKey) {
  EXPECT_THAT(Errors("[nics]\nincludes = []\n"),
              ElementsAre("p.toml:2:1: unknown key 'includes' in [nics]"));
}

TEST(NicsTest, PrefixIsLowerCaseLetters) {
  EXPECT_THAT(Errors("[nics]\nprefix = \"HW\"\n"),
              ElementsAre("p.toml:2:10: prefix 'HW' may only contain lower-case letters a-z"));
  EXPECT_THAT(Errors("[nics]\nprefix = \"nic0\"\n"),
              ElementsAre("p.toml:2:10: prefix 'nic0' may only contain lower-case letters a-z"));
  EXPECT_THAT(Errors("[nics]\nprefix = \"\"\n"),
              ElementsAre("p.toml:2:10: 'prefix' must not be empty"));
}

TEST(NicsTest, PrefixIsAtMostTenCharacters) {
  EXPECT_THAT(Errors("[nics]\nprefix = \"abcdefghijk\"\n"),
              ElementsAre("p.toml:2:10: prefix 'abcdefghijk' is longer than 10 characters"));
  EXPECT_EQ(ParseValid(WithBridge("[nics]\nprefix = \"abcdefghij\"\n")).nics.prefix, "abcdefghij");
}

TEST(NicsTest, EmptySelectorIsAnError) {
  EXPECT_THAT(Errors("[nics]\ninclude = [\"physical\", \"\"]\n"),
              ElementsAre("p.toml:2:24: empty selector in 'include'"));
  EXPECT_THAT(Errors("[nics]\nexclude = [\"driver:\"]\n"),
              ElementsAre("p.toml:2:12: 'driver:' has an empty pattern"));
}

TEST(NicsTest, MacSelectorMustParse) {
  EXPECT_THAT(Errors("[nics]\nexclude = [\"mac:zz:11:22:33:44:55\"]\n"),
              ElementsAre("p.toml:2:12: 'zz:11:22:33:44:55' is not a MAC address"));
}

TEST(NicsTest, SelectorListsHoldStrings) {
  EXPECT_THAT(Errors("[nics]\ninclude = \"physical\"\n"),
              ElementsAre("p.toml:2:11: expected an array for 'include', got string"));
  EXPECT_THAT(Errors("[nics]\nexclude = [\"eth9\", 3]\n"),
              ElementsAre("p.toml:2:20: expected a string in 'exclude', got integer"));
}

TEST(NicsTest, SelectorForms) {
  const Policy policy = ParseValid(WithBridge(R"([nics]
include = ["physical", "kind:veth", "mac:02:AA:00:00:00:01", "02-00-00-00-00-02",
           "path:pci-0000:03:00.0", "pci-0000:04:00.*", "usb-0:1.2:1.0", "platform-x",
           "acpi-y", "driver:igb", "name:en*", "eth*"]
exclude = []
)"));
  using K = NicSelector::Kind;
  const std::vector<std::pair<K, std::string>> expected = {
      {K::kPhysical, "physical"},      {K::kKind, "veth"},
      {K::kMac, "02:aa:00:00:00:01"},  {K::kMac, "02:00:00:00:00:02"},
      {K::kPath, "pci-0000:03:00.0"},  {K::kPath, "pci-0000:04:00.*"},
      {K::kPath, "usb-0:1.2:1.0"},     {K::kPath, "platform-x"},
      {K::kPath, "acpi-y"},            {K::kDriver, "igb"},
      {K::kName, "en*"},               {K::kName, "eth*"},
  };
  ASSERT_EQ(policy.nics.include.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(policy.nics.include[i].kind, expected[i].first);
    EXPECT_EQ(policy.nics.include[i].pattern, expected[i].second);
  }
  EXPECT_EQ(policy.nics.include[1].pos.line, 2);
  EXPECT_EQ(policy.nics.include[1].pos.column, 24);
  EXPECT_TRUE(policy.nics.exclude.empty());
}

TEST(NicsTest, EmptyIncludeReplacesTheDefault) {
  EXPECT_TRUE(ParseValid(WithBridge("[nics]\ninclude = []\n")).nics.include.empty());
}

}  // namespace
}  // namespace failoverd::policy
