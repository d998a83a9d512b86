// What a policy is checked for on the host before it is used: zones that exist (or
// an error at the policy's zone key listing those that do), zone rules nftables
// accepts (errors at the zone file's lines), and a control_group that exists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "failoverd/daemon/policy_checks.h"
#include "fakes/fake_firewall.h"
#include "fakes/temp_dir.h"
#include "policy/policy_parser.h"

namespace failoverd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PolicyChecksTest : public ::testing::Test {
 protected:
  void WriteZone(const std::string& name, const std::string& text) {
    std::ofstream(zones_.path() + "/" + name + ".nft") << text;
  }
  policy::Policy Parse(const std::string& body) {
    const std::string text = "[daemon]\nzones_dir = \"" + zones_.path() + "\"\n" + body;
    auto parsed = policy::ParsePolicyText(text, "p.toml");
    for (const auto& error : parsed.errors) ADD_FAILURE() << error.ToString();
    return parsed.policy.value_or(policy::Policy{});
  }

  testing::TempDir zones_;
  testing::FakeFirewall nft_;
};

TEST_F(PolicyChecksTest, ShippedAndLocalZonesPass) {
  WriteZone("web", "input {\n  tcp dport 80 accept\n}\n");
  const auto policy =
      Parse("[[bridge]]\nname = \"eth0\"\nzone = \"web\"\n[[bridge]]\nname = \"eth1\"\n"
            "[[interface]]\nname = \"wg0\"\nzone = \"trusted\"\n");
  const PolicyCheck check = CheckPolicyOnHost(policy, &nft_);
  EXPECT_THAT(check.errors, IsEmpty());
  EXPECT_EQ(check.zones.at("eth0").name, "web");
  EXPECT_EQ(check.zones.at("eth1").name, "lan");  // the default, shipped
  EXPECT_EQ(check.zones.at("wg0").name, "trusted");
}

TEST_F(PolicyChecksTest, MissingZoneIsReportedAtTheZoneKeyWithTheZonesThatExist) {
  WriteZone("web", "input {\n}\n");
  const auto policy = Parse("[[bridge]]\nname = \"eth0\"\nzone = \"lann\"\n");
  EXPECT_THAT(CheckPolicyOnHost(policy, &nft_).errors,
              ElementsAre("p.toml:5:8: zone 'lann' of eth0 does not exist: no " + zones_.path() +
                          "/lann.nft (zones here: external, isolated, lan, trusted, web)"));
  const auto interface = Parse("[[bridge]]\nname = \"eth0\"\n[[interface]]\nname = \"wg0\"\nzone = \"vpn\"\n");
  EXPECT_THAT(CheckPolicyOnHost(interface, &nft_).errors, ElementsAre(HasSubstr("p.toml:7:8: zone 'vpn' of wg0")));
}

TEST_F(PolicyChecksTest, ZoneFileProblemsPointIntoTheZoneFile) {
  WriteZone("web", "input {\n  tcp dport 80 accept;\n}\n");
  const auto policy = Parse("[[bridge]]\nname = \"eth0\"\nzone = \"web\"\n");
  EXPECT_THAT(CheckPolicyOnHost(policy, &nft_).errors, ElementsAre(HasSubstr(zones_.path() + "/web.nft:2:22: ';'")));
}

TEST_F(PolicyChecksTest, RulesNftablesRefusesPointIntoTheZoneFile) {
  WriteZone("web", "input {\n  tcp dport 80 accept\n  tcp dprt 81 accept\n}\n");
  const auto policy = Parse("[[bridge]]\nname = \"eth0\"\nzone = \"web\"\n[[bridge]]\nname = \"eth1\"\nzone = \"web\"\n");
  nft_.RefuseChecksContaining({"dprt"});
  // Once per zone file, however many bridges use it.
  EXPECT_THAT(CheckPolicyOnHost(policy, &nft_).errors,
              ElementsAre(zones_.path() + "/web.nft:3:3: nftables: injected refusal in 'tcp dprt 81 accept'"));
  // Without nftables (not root), only what the parser sees.
  EXPECT_THAT(CheckPolicyOnHost(policy, nullptr).errors, IsEmpty());
}

TEST_F(PolicyChecksTest, ControlGroupMustExist) {
  const auto policy = Parse("control_group = \"no-such-group-fod\"\n[[bridge]]\nname = \"eth0\"\n");
  EXPECT_THAT(CheckPolicyOnHost(policy, &nft_).errors,
              ElementsAre("p.toml:3:17: control_group 'no-such-group-fod' is not a group on this host (getent group "
                          "no-such-group-fod finds nothing)"));
  EXPECT_THAT(CheckPolicyOnHost(Parse("control_group = \"root\"\n[[bridge]]\nname = \"eth0\"\n"), &nft_).errors,
              IsEmpty());
}

TEST_F(PolicyChecksTest, PinnedZonesOfARollbackAreUsedInsteadOfTheFiles) {
  const auto policy = Parse("[[bridge]]\nname = \"eth0\"\nzone = \"gone\"\n");
  firewall::ZoneFragment recorded;
  recorded.name = "gone";
  recorded.input_rules = {"accept"};
  const PolicyCheck check = CheckPolicyOnHost(policy, &nft_, {{"eth0", recorded}});
  EXPECT_THAT(check.errors, IsEmpty());
  EXPECT_EQ(check.zones.at("eth0").input_rules, std::vector<std::string>{"accept"});
}

TEST_F(PolicyChecksTest, WhatIsOnlySuspiciousIsAWarning) {
  const auto policy = Parse(
      "[nics]\ninclude = [\"kind:veth\"]\nexclude = [\"mac:02:00:00:00:99:99\", \"mgmt*\"]\n"
      "[[bridge]]\nname = \"eth0\"\nports = [{ mac = \"02:00:00:00:01:01\" }, { mac = \"02:00:00:00:01:0f\" }]\n"
      "[[interface]]\nname = \"wg0\"\nzone = \"trusted\"\n");
  core::LinkInfo nic;
  nic.name = "ens1";
  nic.kind = "veth";
  nic.mac = *MacAddress::Parse("02:00:00:00:01:01");
  core::LinkInfo bridge;
  bridge.name = "br0";
  bridge.kind = "bridge";
  bridge.mac = *MacAddress::Parse("02:00:00:00:99:99");  // a bridge with that MAC is no NIC
  EXPECT_THAT(PolicyWarnings(policy, {nic, bridge}),
              ElementsAre(HasSubstr("p.toml:8:41: warning: port of eth0: mac 02:00:00:00:01:0f matches no NIC"),
                          HasSubstr("p.toml:5:12: warning: exclude: mac 02:00:00:00:99:99 matches no NIC"),
                          "p.toml:9:1: warning: interface wg0 does not exist on this host now; its zone applies once "
                          "it does"));
  nic.name = "wg0";
  EXPECT_EQ(PolicyWarnings(policy, {nic}).size(), 2u);
  // An excluded NIC named like one of failoverd's would be dropped by its firewall.
  core::LinkInfo old_nic = nic;
  old_nic.name = "hweth3";
  old_nic.mac = *MacAddress::Parse("02:00:00:00:99:99");
  EXPECT_THAT(PolicyWarnings(policy, {nic, old_nic}),
              ::testing::Contains(HasSubstr("p.toml:5:12: warning: excluded NIC hweth3 carries a name in the NIC prefix")));
}

}  // namespace
}  // namespace failoverd
