// DiffPolicy: what a reload changes, from policy texts; the lines an administrator
// reads and the sets the daemon turns into work.
#include "failoverd/core/policy_diff.h"

#include <gtest/gtest.h>

#include "policy/policy_parser.h"

namespace failoverd::core {
namespace {

policy::Policy Parse(const std::string& bridges, const std::string& extra = "") {
  const std::string text = "[daemon]\nstate_dir = \"/var/lib/failoverd\"\n" + extra +
                           "[nics]\ninclude = [\"kind:veth\"]\n" + bridges;
  auto parsed = policy::ParsePolicyText(text, "policy.toml");
  EXPECT_TRUE(parsed.policy) << (parsed.errors.empty() ? "" : parsed.errors[0].ToString());
  return parsed.policy ? *parsed.policy : policy::Policy{};
}

const char* kEth0 = R"(
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24", "2001:db8::9/64"]
gateway = "192.0.2.1"
ports = [ { mac = "02:00:00:00:01:01" }, { mac = "02:00:00:00:01:02" } ]
)";

const auto kNoZoneChanged = [](const std::string&) { return false; };

TEST(PolicyDiffTest, TheSamePolicyChangesNothing) {
  const policy::Policy policy = Parse(kEth0);
  const PolicyDiff diff = DiffPolicy(policy, policy, kNoZoneChanged);
  EXPECT_TRUE(diff.changes.empty());
  EXPECT_TRUE(diff.retired.empty());
  EXPECT_TRUE(diff.added.empty());
  EXPECT_TRUE(diff.rezoned.empty());
  EXPECT_TRUE(diff.readdressed.empty());
  EXPECT_TRUE(diff.updated.empty());
  EXPECT_TRUE(diff.needs_restart.empty());
}

TEST(PolicyDiffTest, BridgesThatGoAndComeAreListedInPolicyOrder) {
  const policy::Policy old = Parse(std::string(kEth0) + "[[bridge]]\nname = \"br-old\"\nzone = \"lan\"\nmode = \"internal\"\n");
  const policy::Policy next = Parse(std::string(kEth0) + "[[bridge]]\nname = \"br-a\"\nzone = \"lan\"\nmode = \"internal\"\n" +
                                    "[[bridge]]\nname = \"br-b\"\nzone = \"dmz\"\nmode = \"internal\"\n");
  const PolicyDiff diff = DiffPolicy(old, next, kNoZoneChanged);
  EXPECT_EQ(diff.retired, std::vector<std::string>{"br-old"});
  EXPECT_EQ(diff.added, (std::vector<std::string>{"br-a", "br-b"}));
  EXPECT_EQ(diff.changes, (std::vector<std::string>{
                              "br-old: no longer in the policy: its NICs are released, the bridge and its zone deleted",
                              "br-a: new: created with zone lan", "br-b: new: created with zone dmz"}));
}

TEST(PolicyDiffTest, AZoneIsInstalledAgainWhenTheFirewallSaysItDiffers) {
  const policy::Policy old = Parse(kEth0);
  std::string renamed = kEth0;
  renamed.replace(renamed.find("zone = \"lan\""), 12, "zone = \"dmz\"");
  const policy::Policy next = Parse(renamed);
  std::vector<std::string> asked;
  const PolicyDiff diff = DiffPolicy(old, next, [&](const std::string& bridge) {
    asked.push_back(bridge);
    return true;
  });
  EXPECT_EQ(asked, std::vector<std::string>{"eth0"});
  EXPECT_EQ(diff.rezoned, std::set<std::string>{"eth0"});
  EXPECT_EQ(diff.changes, std::vector<std::string>{"eth0: zone lan -> dmz, replaced atomically"});
  // The same name with other rules inside.
  EXPECT_EQ(DiffPolicy(old, old, [](const std::string&) { return true; }).changes,
            std::vector<std::string>{"eth0: zone lan changed, replaced atomically"});
}

TEST(PolicyDiffTest, DroppedAddressesAndTheOldGatewayAreStale) {
  const policy::Policy old = Parse(kEth0);
  std::string text = kEth0;
  text.replace(text.find("\"192.0.2.9/24\", "), 16, "\"192.0.2.10/24\", ");
  text.replace(text.find("gateway = \"192.0.2.1\""), 21, "gateway = \"192.0.2.254\"");
  const PolicyDiff diff = DiffPolicy(old, Parse(text), kNoZoneChanged);
  ASSERT_EQ(diff.readdressed.count("eth0"), 1u);
  const StaleL3& stale = diff.readdressed.at("eth0");
  ASSERT_EQ(stale.addresses.size(), 1u);
  EXPECT_EQ(stale.addresses[0].ToString(), "192.0.2.9/24") << "the IPv6 address stays";
  ASSERT_TRUE(stale.gateway);
  EXPECT_EQ(stale.gateway->ToString(), "192.0.2.1");
  EXPECT_EQ(diff.changes, std::vector<std::string>{"eth0: addresses or gateway changed"});
}

TEST(PolicyDiffTest, AnAddedAddressChangesL3WithNothingStale) {
  std::string text = kEth0;
  text.replace(text.find("\"2001:db8::9/64\""), 16, "\"2001:db8::9/64\", \"198.51.100.9/24\"");
  const PolicyDiff diff = DiffPolicy(Parse(kEth0), Parse(text), kNoZoneChanged);
  ASSERT_EQ(diff.readdressed.count("eth0"), 1u);
  EXPECT_TRUE(diff.readdressed.at("eth0").addresses.empty());
  EXPECT_FALSE(diff.readdressed.at("eth0").gateway);
}

TEST(PolicyDiffTest, MacAndStpAreUpdatedInPlacePortsOnlyReevaluated) {
  std::string text = kEth0;
  text.replace(text.find("zone = \"lan\""), 12, "zone = \"lan\"\nstp = true\nfailback = \"preferred\"");
  const PolicyDiff diff = DiffPolicy(Parse(kEth0), Parse(text), kNoZoneChanged);
  EXPECT_EQ(diff.updated, std::set<std::string>{"eth0"});
  EXPECT_TRUE(diff.readdressed.empty());
  ASSERT_EQ(diff.changes.size(), 2u);
  EXPECT_EQ(diff.changes[0], "eth0: MAC, STP or forward delay changed");
  EXPECT_EQ(diff.changes[1].rfind("eth0: ports, spares or failback changed", 0), 0u) << diff.changes[1];
}

TEST(PolicyDiffTest, DaemonKeysThatNeedARestartAreNamed) {
  const policy::Policy old = Parse(kEth0);
  const policy::Policy next = Parse(kEth0, "control_socket = \"/run/other.sock\"\nhold_down_ms = 200\n");
  const PolicyDiff diff = DiffPolicy(old, next, kNoZoneChanged);
  EXPECT_EQ(diff.needs_restart, std::vector<std::string>{"control_socket"});
  EXPECT_EQ(diff.changes, std::vector<std::string>{"hold_down_ms / up_delay_ms changed: in effect from now on"});
}

TEST(PolicyDiffTest, InterfaceZonesGivenAndTakenAway) {
  const policy::Policy old = Parse(std::string(kEth0) + "[[interface]]\nname = \"wg0\"\nzone = \"lan\"\n");
  const policy::Policy next = Parse(std::string(kEth0) + "[[interface]]\nname = \"tun0\"\nzone = \"lan\"\n");
  const PolicyDiff diff = DiffPolicy(old, next, kNoZoneChanged);
  EXPECT_EQ(diff.changes, (std::vector<std::string>{"tun0: zone lan", "wg0: no longer given a zone: left to your own rules"}));
}

}  // namespace
}  // namespace failoverd::core
