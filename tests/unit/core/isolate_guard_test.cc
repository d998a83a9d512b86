// The guard of `failoverctl isolate`: which bridges are guarded and why, what each
// request gets, and the refusal's wording.
#include "failoverd/core/isolate_guard.h"

#include <gtest/gtest.h>

namespace failoverd::core {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

IsolateFacts Facts(const std::string& bridge) {
  IsolateFacts facts;
  facts.bridge = bridge;
  facts.addresses = {*IpPrefix::Parse("192.0.2.10/24")};
  return facts;
}

std::string Texts(const std::vector<IsolateHazard>& hazards) { return JoinHazards(hazards); }

TEST(IsolateGuardTest, PlainBridgeIsNotGuarded) {
  EXPECT_TRUE(IsolateHazards(Facts("eth1")).empty());
  IsolateFacts facts = Facts("eth1");
  facts.session = Ip("198.51.100.10");  // a session through another bridge
  EXPECT_TRUE(IsolateHazards(facts).empty());
}

TEST(IsolateGuardTest, DefaultRouteInTheKernel) {
  IsolateFacts facts = Facts("eth0");
  facts.default_routes = {{7, Ip("192.0.2.254")}, {7, Ip("2001:db8::1")}, {7, Ip("192.0.2.254")}};
  const auto hazards = IsolateHazards(facts);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_EQ(hazards[0].kind, IsolateHazard::Kind::kDefaultRoute);
  EXPECT_EQ(hazards[0].text, "eth0 carries the default route (via 192.0.2.254, 2001:db8::1)");
  facts.default_routes = {{7, std::nullopt}};
  EXPECT_EQ(Texts(IsolateHazards(facts)), "eth0 carries the default route") << "a device route has no gateway";
}

TEST(IsolateGuardTest, GatewayOfThePolicyEvenWithoutTheRoute) {
  IsolateFacts facts = Facts("eth0");
  facts.policy_gateway = Ip("192.0.2.1");
  EXPECT_EQ(Texts(IsolateHazards(facts)), "the policy gives eth0 the default route (gateway 192.0.2.1)");
  facts.default_routes = {{7, Ip("192.0.2.1")}};
  EXPECT_EQ(Texts(IsolateHazards(facts)), "eth0 carries the default route (via 192.0.2.1)") << "said once";
}

TEST(IsolateGuardTest, UnreadableRoutesAreAHazard) {
  IsolateFacts facts = Facts("eth0");
  facts.routes_unknown = "dump routes: Operation not permitted";
  EXPECT_EQ(Texts(IsolateHazards(facts)),
            "failoverd cannot tell whether eth0 carries the default route (dump routes: Operation not permitted)");
}

TEST(IsolateGuardTest, SessionThroughTheBridge) {
  IsolateFacts facts = Facts("eth0");
  facts.session = Ip("192.0.2.10");
  const auto hazards = IsolateHazards(facts);
  ASSERT_EQ(hazards.size(), 1u);
  EXPECT_EQ(hazards[0].kind, IsolateHazard::Kind::kSession);
  EXPECT_EQ(hazards[0].text, "your session comes in through eth0 (192.0.2.10 is one of its addresses)");
  facts.addresses.clear();
  EXPECT_TRUE(IsolateHazards(facts).empty());
  facts.addresses_unknown = "dump addresses: No buffer space available";
  EXPECT_EQ(Texts(IsolateHazards(facts)), "failoverd cannot tell whether your session (to 192.0.2.10) comes in "
                                          "through eth0 (dump addresses: No buffer space available)");
}

TEST(IsolateGuardTest, Verdicts) {
  const std::vector<IsolateHazard> none;
  const std::vector<IsolateHazard> some = {{IsolateHazard::Kind::kDefaultRoute, "x"}};
  EXPECT_EQ(JudgeIsolate(none, {}), IsolateVerdict::kIsolate);
  EXPECT_EQ(JudgeIsolate(some, {}), IsolateVerdict::kRefuse);
  IsolateRequest force;
  force.force = true;
  EXPECT_EQ(JudgeIsolate(some, force), IsolateVerdict::kIsolate);
  IsolateRequest window;
  window.confirm_seconds = 30;
  EXPECT_EQ(JudgeIsolate(some, window), IsolateVerdict::kIsolateUntilConfirmed);
  EXPECT_EQ(JudgeIsolate(none, window), IsolateVerdict::kIsolateUntilConfirmed)
      << "asked for a window, gets one, guarded or not";
}

TEST(IsolateGuardTest, RefusalSaysWhyAndWhatToDo) {
  IsolateFacts facts = Facts("eth0");
  facts.default_routes = {{7, Ip("192.0.2.254")}};
  EXPECT_EQ(IsolateRefusal("eth0", IsolateHazards(facts)),
            "refused: eth0 carries the default route (via 192.0.2.254); isolating it could cut this host off. "
            "Use `failoverctl isolate --confirm SECONDS eth0` (restored unless `failoverctl confirm` within "
            "SECONDS) or `failoverctl isolate --force eth0`");
  facts.session = Ip("192.0.2.10");
  EXPECT_NE(IsolateRefusal("eth0", IsolateHazards(facts)).find("could cut this host and your session off"),
            std::string::npos);
  facts.default_routes.clear();
  EXPECT_NE(IsolateRefusal("eth0", IsolateHazards(facts)).find("could cut your session off"), std::string::npos);
}

}  // namespace
}  // namespace failoverd::core
