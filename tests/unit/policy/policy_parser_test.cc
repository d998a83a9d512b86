// The parser as a whole: a full policy, defaults, syntax errors, several
// errors at once, files, and the shipped examples.
#include "policy/policy_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/policy/policy_test_util.h"

namespace failoverd::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing_util::Errors;
using testing_util::ParseValid;

IpPrefix Prefix(const char* text) { return IpPrefix::Parse(text).value(); }
IpAddress Address(const char* text) { return IpAddress::Parse(text).value(); }

constexpr const char* kFullPolicy = R"([daemon]
state_dir      = "/srv/fod/state"
control_socket = "/run/fod.sock"
control_group  = "netadmin"
zones_dir      = "/srv/fod/zones"
hold_down_ms   = 250
up_delay_ms    = 1500
udev_source    = "kernel"

[nics]
prefix  = "nic"
include = ["physical", "kind:veth"]
exclude = ["mac:02:00:00:00:00:ff", "pci-0000:00:1f.6", "driver:e1000e", "bmc*"]

[[bridge]]
name    = "eth0"
mode    = "active-backup"
mac     = "02:00:00:AB:CD:EF"
zone    = "office"
address = ["192.0.2.9/24", "2001:db8:1::9/64"]
gateway = "192.0.2.1"
stp     = true
forward_delay_s = 4
ports   = [ { mac = "00:0c:29:89:80:c2" }, { path = "pci-0000:03:00.*" }, { driver = "igb" }, { name = "nic2" } ]
spares  = false
failback = "preferred"

[bridge.identify]
lldp_chassis = "core-sw-1"
lldp_port    = "Gi1/0/*"
lldp_system  = "core-*"
arp_target   = "192.0.2.1"
ra_prefix    = "2001:db8:1::/64"
require      = "remembered"

[[bridge]]
name = "vmbr0"
mode = "internal"
mac  = "stable"
)";

TEST(PolicyParserTest, FullPolicyRoundTripsEveryField) {
  const Policy p = ParseValid(kFullPolicy);
  EXPECT_EQ(p.source_path, "p.toml");

  EXPECT_EQ(p.daemon.state_dir, "/srv/fod/state");
  EXPECT_EQ(p.daemon.control_socket, "/run/fod.sock");
  EXPECT_EQ(p.daemon.control_group, "netadmin");
  EXPECT_EQ(p.daemon.zones_dir, "/srv/fod/zones");
  EXPECT_EQ(p.daemon.hold_down_ms, 250);
  EXPECT_EQ(p.daemon.up_delay_ms, 1500);
  EXPECT_EQ(p.daemon.udev_source, UdevSource::kKernel);

  EXPECT_EQ(p.nics.prefix, "nic");
  ASSERT_EQ(p.nics.include.size(), 2u);
  EXPECT_EQ(p.nics.include[0].kind, NicSelector::Kind::kPhysical);
  EXPECT_EQ(p.nics.include[1].kind, NicSelector::Kind::kKind);
  EXPECT_EQ(p.nics.include[1].pattern, "veth");
  ASSERT_EQ(p.nics.exclude.size(), 4u);
  EXPECT_EQ(p.nics.exclude[0].kind, NicSelector::Kind::kMac);
  EXPECT_EQ(p.nics.exclude[0].pattern, "02:00:00:00:00:ff");
  EXPECT_EQ(p.nics.exclude[1].kind, NicSelector::Kind::kPath);
  EXPECT_EQ(p.nics.exclude[1].pattern, "pci-0000:00:1f.6");
  EXPECT_EQ(p.nics.exclude[2].kind, NicSelector::Kind::kDriver);
  EXPECT_EQ(p.nics.exclude[2].pattern, "e1000e");
  EXPECT_EQ(p.nics.exclude[3].kind, NicSelector::Kind::kName);
  EXPECT_EQ(p.nics.exclude[3].pattern, "bmc*");
  EXPECT_EQ(p.nics.exclude[3].pos.line, 13);

  ASSERT_EQ(p.bridges.size(), 2u);
  const Bridge& b = p.bridges[0];
  EXPECT_EQ(b.name, "eth0");
  EXPECT_EQ(b.pos.line, 15);
  EXPECT_EQ(b.pos.column, 1);
  EXPECT_EQ(b.mode, BridgeMode::kActiveBackup);
  EXPECT_EQ(b.mac.kind, MacRule::Kind::kExplicit);
  EXPECT_EQ(b.mac.value.ToString(), "02:00:00:ab:cd:ef");
  EXPECT_EQ(b.zone, "office");
  EXPECT_THAT(b.addresses, ElementsAre(Prefix("192.0.2.9/24"), Prefix("2001:db8:1::9/64")));
  EXPECT_EQ(b.gateway, Address("192.0.2.1"));
  EXPECT_TRUE(b.stp);
  EXPECT_EQ(b.forward_delay_s, 4);
  ASSERT_EQ(b.ports.size(), 4u);
  EXPECT_EQ(b.ports[0].kind, NicSelector::Kind::kMac);
  EXPECT_EQ(b.ports[0].pattern, "00:0c:29:89:80:c2");
  EXPECT_EQ(b.ports[3].kind, NicSelector::Kind::kName);
  EXPECT_EQ(b.ports[3].pattern, "nic2");
  EXPECT_EQ(b.ports[3].pos.line, 24);
  EXPECT_FALSE(b.spares);
  EXPECT_EQ(b.failback, Failback::kPreferred);
  EXPECT_EQ(b.identify.lldp_chassis, "core-sw-1");
  EXPECT_EQ(b.identify.lldp_port, "Gi1/0/*");
  EXPECT_EQ(b.identify.lldp_system, "core-*");
  EXPECT_EQ(b.identify.arp_target, Address("192.0.2.1"));
  EXPECT_EQ(b.identify.ra_prefix, Prefix("2001:db8:1::/64"));
  EXPECT_EQ(b.identify.require, Require::kRemembered);

  const Bridge& internal = p.bridges[1];
  EXPECT_EQ(internal.name, "vmbr0");
  EXPECT_EQ(internal.mode, BridgeMode::kInternal);
  EXPECT_EQ(internal.mac.kind, MacRule::Kind::kStable);
  EXPECT_EQ(p.FindBridge("vmbr0"), &internal);
}

TEST(PolicyParserTest, PolicyWithoutBridgeIsRefused) {
  // Every physical NIC would be renamed and silenced with nothing to carry the network.
  EXPECT_THAT(Errors(""), ElementsAre(HasSubstr("p.toml:1:1: the policy has no [[bridge]]")));
  EXPECT_THAT(Errors(": \n"), Not(IsEmpty()));
  EXPECT_THAT(Errors("[nics]\ninclude = [\"kind:veth\"]\n"),
              ElementsAre(HasSubstr("p.toml:2:11: the policy has no [[bridge]]")));
  EXPECT_THAT(Errors("bridge = []\n"), ElementsAre(HasSubstr("p.toml:1:1: the policy has no [[bridge]]")));
  // Managing no NIC at all cuts nothing off.
  EXPECT_TRUE(ParseValid("[nics]\ninclude = []\n").bridges.empty());
}

TEST(PolicyParserTest, OnlyBridgeGivenTakesTheDefaults) {
  const Policy p = ParseValid("[[bridge]]\nname = \"eth0\"\n");
  EXPECT_EQ(p.daemon.state_dir, "/var/lib/failoverd");
  EXPECT_EQ(p.daemon.control_socket, "/run/failoverd/control.sock");
  EXPECT_EQ(p.daemon.control_group, "root");
  EXPECT_EQ(p.daemon.zones_dir, "/etc/failoverd/zones");
  EXPECT_EQ(p.daemon.hold_down_ms, 0);
  EXPECT_EQ(p.daemon.up_delay_ms, 0);
  EXPECT_EQ(p.daemon.udev_source, UdevSource::kUdev);
  EXPECT_EQ(p.nics.prefix, "hweth");
  ASSERT_EQ(p.nics.include.size(), 1u);
  EXPECT_EQ(p.nics.include[0].kind, NicSelector::Kind::kPhysical);
  EXPECT_TRUE(p.nics.exclude.empty());
  EXPECT_EQ(p.bridges.size(), 1u);
  EXPECT_TRUE(p.interfaces.empty());
  EXPECT_EQ(p.daemon.start_confirm_s, 600);
}

TEST(PolicyParserTest, BridgeDefaults) {
  const Policy p = ParseValid("[[bridge]]\nname = \"eth0\"\n");
  ASSERT_EQ(p.bridges.size(), 1u);
  const Bridge& b = p.bridges[0];
  EXPECT_EQ(b.mode, BridgeMode::kActiveBackup);
  EXPECT_EQ(b.mac.kind, MacRule::Kind::kStable);
  EXPECT_EQ(b.zone, "lan");
  EXPECT_TRUE(b.addresses.empty());
  EXPECT_FALSE(b.gateway.has_value());
  EXPECT_FALSE(b.stp);
  EXPECT_EQ(b.forward_delay_s, 0);
  EXPECT_TRUE(b.ports.empty());
  EXPECT_TRUE(b.spares);
  EXPECT_EQ(b.failback, Failback::kNever);
  EXPECT_FALSE(b.identify.HasAnyKey());
  EXPECT_EQ(b.identify.require, Require::kNone);
}

TEST(PolicyParserTest, SyntaxErrorHasItsPosition) {
  EXPECT_THAT(Errors("[daemon]\nhold_down_ms = \n"),
              ElementsAre("p.toml:2:16: error while parsing key-value pair: expected value, saw "
                          "'\\n'"));
  EXPECT_THAT(Errors("[[bridge]]\nname = \"eth0\"\nname = \"eth1\"\n"),
              ElementsAre("p.toml:3:8: error while parsing key-value pair: cannot redefine "
                          "existing string 'name'"));
}

TEST(PolicyParserTest, EveryProblemIsReportedInFileOrder) {
  EXPECT_THAT(Errors(R"([daemon]
hold_down_ms = -5
udev_source = "udevd"

[nics]
prefix = "HW"

[[bridge]]
name = "eth0"
mdoe = "internal"
ports = [ { mac = "02:00:00:00:01:01" } ]

[bridge.identify]
arp_target = "fe80::1"

[[bridge]]
name = "eth0"
mode = "switch"
ports = [ { mac = "02:00:00:00:01:01" } ]
)"),
              ElementsAre(
                  "p.toml:2:16: 'hold_down_ms' must be between 0 and 600000, got -5",
                  "p.toml:3:15: 'udevd' is not a valid udev_source; expected udev or kernel",
                  "p.toml:6:10: prefix 'HW' may only contain lower-case letters a-z",
                  "p.toml:10:1: unknown key 'mdoe' in [[bridge]]",
                  "p.toml:14:14: 'fe80::1' is not an IPv4 address",
                  "p.toml:17:8: bridge name 'eth0' is already used at line 9",
                  "p.toml:18:8: mode 'switch' is not supported yet; use 'active-backup' or "
                  "'internal'",
                  "p.toml:19:11: port { mac = \"02:00:00:00:01:01\" } is already preferred by "
                  "bridge 'eth0'"));
}

TEST(PolicyParserTest, DiagnosticToString) {
  const Diagnostic d{"/etc/failoverd/policy.toml", 12, 3, "unknown key 'mdoe' in [[bridge]]"};
  EXPECT_EQ(d.ToString(), "/etc/failoverd/policy.toml:12:3: unknown key 'mdoe' in [[bridge]]");
}

TEST(PolicyParserTest, EnumsPrintAsWritten) {
  EXPECT_STREQ(ToString(BridgeMode::kActiveBackup), "active-backup");
  EXPECT_STREQ(ToString(BridgeMode::kSwitch), "switch");
  EXPECT_STREQ(ToString(BridgeMode::kInternal), "internal");
  EXPECT_STREQ(ToString(Failback::kNever), "never");
  EXPECT_STREQ(ToString(Failback::kPreferred), "preferred");
  EXPECT_STREQ(ToString(Require::kNone), "none");
  EXPECT_STREQ(ToString(Require::kConfirmed), "confirmed");
  EXPECT_STREQ(ToString(Require::kRemembered), "remembered");
  EXPECT_STREQ(ToString(UdevSource::kUdev), "udev");
  EXPECT_STREQ(ToString(UdevSource::kKernel), "kernel");
  EXPECT_STREQ(ToString(NicSelector::Kind::kMac), "mac");
  EXPECT_STREQ(ToString(NicSelector::Kind::kPath), "path");
  EXPECT_STREQ(ToString(NicSelector::Kind::kDriver), "driver");
  EXPECT_STREQ(ToString(NicSelector::Kind::kName), "name");
  EXPECT_STREQ(ToString(NicSelector::Kind::kPhysical), "physical");
  EXPECT_STREQ(ToString(NicSelector::Kind::kKind), "kind");
}

TEST(PolicyFileTest, MissingFileIsOneDiagnostic) {
  const ParseResult r = ParsePolicyFile("/nonexistent/failoverd/policy.toml");
  EXPECT_FALSE(r.policy.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "/nonexistent/failoverd/policy.toml:0:0: cannot read policy: No such file or "
            "directory");
}

TEST(PolicyFileTest, DirectoryIsNotAPolicy) {
  const std::string dir = ::testing::TempDir();
  const ParseResult r = ParsePolicyFile(dir);
  EXPECT_FALSE(r.policy.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), dir + ":0:0: cannot read policy: is a directory, not a regular file");
}

TEST(PolicyFileTest, ReadsAndReportsWithItsPath) {
  const std::string path = ::testing::TempDir() + "/policy_file_test.toml";
  {
    std::ofstream out(path);
    out << "[[bridge]]\nname = \"eth0\"\nzone = 1\n";
  }
  const ParseResult bad = ParsePolicyFile(path);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].ToString(), path + ":3:8: expected a string for 'zone', got integer");
  {
    std::ofstream out(path);
    out << "[[bridge]]\nname = \"eth0\"\n";
  }
  const ParseResult good = ParsePolicyFile(path);
  EXPECT_THAT(good.errors, IsEmpty());
  ASSERT_TRUE(good.policy.has_value());
  EXPECT_EQ(good.policy->source_path, path);
  EXPECT_EQ(good.policy->bridges.at(0).name, "eth0");
  std::filesystem::remove(path);
}

const std::filesystem::path kExamples =
    std::filesystem::path(FAILOVERD_SOURCE_DIR) / "policy" / "examples";

TEST(ExamplesTest, EveryExampleIsValid) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    const ParseResult r = ParsePolicyFile(entry.path().string());
    for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
    EXPECT_TRUE(r.policy.has_value());
  }
  EXPECT_GE(files, 3);
}

TEST(ExamplesTest, LabPolicyDescribesTheVethLab) {
  const ParseResult r = ParsePolicyFile((kExamples / "lab.toml").string());
  ASSERT_TRUE(r.policy.has_value());
  const Policy& p = *r.policy;
  EXPECT_EQ(p.daemon.udev_source, UdevSource::kKernel);
  ASSERT_EQ(p.nics.include.size(), 1u);
  EXPECT_EQ(p.nics.include[0].kind, NicSelector::Kind::kKind);
  EXPECT_EQ(p.nics.include[0].pattern, "veth");
  ASSERT_EQ(p.bridges.size(), 3u);

  const Bridge& eth0 = p.bridges[0];
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_EQ(eth0.mode, BridgeMode::kActiveBackup);
  EXPECT_EQ(eth0.zone, "lan");
  EXPECT_THAT(eth0.addresses, ElementsAre(Prefix("192.0.2.9/24")));
  ASSERT_EQ(eth0.ports.size(), 2u);
  EXPECT_EQ(eth0.ports[0].pattern, "02:00:00:00:01:01");
  EXPECT_EQ(eth0.ports[1].pattern, "02:00:00:00:01:02");

  const Bridge& eth1 = p.bridges[1];
  EXPECT_EQ(eth1.name, "eth1");
  EXPECT_EQ(eth1.zone, "external");
  EXPECT_THAT(eth1.addresses, ElementsAre(Prefix("198.51.100.9/24")));
  ASSERT_EQ(eth1.ports.size(), 1u);
  EXPECT_EQ(eth1.ports[0].kind, NicSelector::Kind::kMac);
  EXPECT_EQ(eth1.ports[0].pattern, "02:00:00:00:02:01");

  const Bridge& vmbr0 = p.bridges[2];
  EXPECT_EQ(vmbr0.name, "vmbr0");
  EXPECT_EQ(vmbr0.mode, BridgeMode::kInternal);
  EXPECT_EQ(vmbr0.zone, "trusted");
  EXPECT_TRUE(vmbr0.ports.empty());
}

}  // namespace
}  // namespace failoverd::policy
