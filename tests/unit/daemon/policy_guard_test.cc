#include "failoverd/daemon/policy_guard.h"

#include <gtest/gtest.h>

#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;

constexpr const char* kMac0 = "02:00:00:00:48:01";
constexpr const char* kMac1 = "02:00:00:00:48:03";

firewall::ZoneFragment Zone(const std::string& name, std::vector<std::string> input) {
  return {name, name + ".nft", std::move(input), {}};
}

class PolicyGuardTest : public ::testing::Test {
 protected:
  PolicyGuardTest() {
    links_.Add("hweth0", kMac0);
    links_.Add("hweth1", kMac1);
    now_ = Policy(kMac0);
    facts_.default_route_bridges["eth0"] = "eth0 carries the default route (via 192.0.2.1)";
    zones_ = {{"eth0", Zone("lan", {"tcp dport 22 accept"})}, {"eth1", Zone("lan", {"tcp dport 22 accept"})}};
  }
  static policy::Policy Policy(const std::string& eth0_port, bool with_eth0 = true) {
    std::vector<policy::Bridge> bridges;
    if (with_eth0) {
      bridges.push_back(ActiveBackup("eth0", {eth0_port}, "192.0.2.10/24"));
      bridges.back().spares = false;
    }
    bridges.push_back(ActiveBackup("eth1", {kMac1}, "198.51.100.10/24"));
    bridges.back().spares = false;
    return VethPolicy(bridges);
  }
  core::Decision Decide(const policy::Policy& policy) {
    return core::Decide({policy, observed_, {}, "machine", MonoTime(std::chrono::hours(1))});
  }
  std::vector<std::string> Hazards(const policy::Policy& next, const std::optional<CallerSession>& session = {}) {
    return PolicyHazards(now_, next, Decide(now_), Decide(next), facts_, zones_, session);
  }

  core::ObservedState observed_;
  testing::ObservedBuilder links_{observed_};
  policy::Policy now_;
  PolicyGuardFacts facts_;
  std::map<std::string, firewall::ZoneFragment> zones_;
};

const CallerSession kOnEth1{*IpAddress::Parse("198.51.100.10"), *IpAddress::Parse("198.51.100.1"), 22};

TEST_F(PolicyGuardTest, TheSamePolicyIsSafe) { EXPECT_TRUE(Hazards(now_, kOnEth1).empty()); }

TEST_F(PolicyGuardTest, DefaultRouteBridgeLeftWithoutANicOrDeleted) {
  auto hazards = Hazards(Policy("02:00:00:00:48:99"));
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_NE(hazards[0].find("eth0 carries the default route (via 192.0.2.1) and would have no usable NIC"),
            std::string::npos)
      << hazards[0];
  hazards = Hazards(Policy(kMac0, /*with_eth0=*/false));
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_NE(hazards[0].find("the new policy deletes it"), std::string::npos) << hazards[0];
}

TEST_F(PolicyGuardTest, ABridgeWithoutANicNowLosesNothing) {
  facts_.default_route_bridges = {{"eth0", "eth0 carries the default route (via 192.0.2.1)"}};
  links_.SetCarrier(2, false, MonoTime{});  // hweth0: eth0 has no usable NIC already
  EXPECT_TRUE(Hazards(Policy("02:00:00:00:48:99")).empty());
}

// Whatever carries the default route (issue 14): no reload may delete every bridge or
// leave not one with a usable NIC.
TEST_F(PolicyGuardTest, DeletingEveryBridgeIsAHazardWithoutAnyDefaultRoute) {
  facts_.default_route_bridges.clear();
  auto next = VethPolicy({ActiveBackup("lan9", {kMac0})});
  const auto hazards = Hazards(next);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_EQ(hazards[0], "the new policy deletes every bridge (eth0, eth1)");
  EXPECT_NE(PolicyRefusal(hazards, "/etc/failoverd/policy.toml", /*reload=*/true).find("failoverctl reload --force"),
            std::string::npos);
  // Deleting some bridges is the administrator's business.
  EXPECT_TRUE(Hazards(Policy(kMac0, /*with_eth0=*/false)).empty());
}

TEST_F(PolicyGuardTest, LeavingEveryBridgeWithoutANicIsAHazard) {
  facts_.default_route_bridges.clear();
  auto next = now_;
  for (auto& bridge : next.bridges) bridge.ports = {testing::MacPort("02:00:00:00:48:99")};
  const auto hazards = Hazards(next);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_EQ(hazards[0].rfind("not one bridge would have a usable NIC under the new policy (eth0: ", 0), 0u) << hazards[0];
  // Nothing lost when no bridge had one to begin with.
  links_.SetCarrier(2, false, MonoTime{});
  links_.SetCarrier(3, false, MonoTime{});
  EXPECT_TRUE(Hazards(next).empty());
}

TEST_F(PolicyGuardTest, UnreadableRoutesCountAsAHazard) {
  facts_.routes_unknown = "dump routes: injected";
  EXPECT_EQ(Hazards(now_).size(), 1u);
}

TEST_F(PolicyGuardTest, TheCallersSessionIsNotFirewalledOff) {
  facts_.session_bridge = "eth1";
  zones_["eth1"] = Zone("external", {"meta l4proto icmp accept"});
  auto hazards = Hazards(now_, kOnEth1);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_NE(hazards[0].find("your session (198.51.100.10:22) comes in through eth1, and the new policy would "
                            "firewall it off: zone external accepts no new connection"),
            std::string::npos)
      << hazards[0];
  // Without a session (the console), the same zone is nobody's lockout.
  EXPECT_TRUE(Hazards(now_).empty());
}

TEST_F(PolicyGuardTest, TheSessionsAddressOrBridgeRemoved) {
  facts_.session_bridge = "eth1";
  policy::Policy next = now_;
  next.bridges[1].addresses = {*IpPrefix::Parse("198.51.100.20/24")};
  auto hazards = Hazards(next, kOnEth1);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_NE(hazards[0].find("removes that address"), std::string::npos) << hazards[0];
  next.bridges.pop_back();
  hazards = Hazards(next, kOnEth1);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_NE(hazards[0].find("which the new policy deletes"), std::string::npos) << hazards[0];
}

TEST(PolicyRefusal, SaysEveryReasonAndHowToForce) {
  const std::string text = PolicyRefusal({"A", "B"}, "/etc/failoverd/new.toml");
  EXPECT_EQ(text.rfind("refused: A; B. Nothing was changed.", 0), 0u) << text;
  EXPECT_NE(text.find("failoverctl apply --force /etc/failoverd/new.toml"), std::string::npos) << text;
}

}  // namespace
}  // namespace failoverd
