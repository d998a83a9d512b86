// Which managed NICs are live and left alone (issue 14 point 1).
#include "failoverd/core/live_nics.h"

#include <gmock/gmock.h>

#include "failoverd/core/decision.h"
#include <gtest/gtest.h>

#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

LiveConfig Carrying(std::vector<std::string> addresses, std::vector<std::string> routes = {}) {
  LiveConfig config;
  for (const auto& text : addresses) config.addresses.push_back(*IpPrefix::Parse(text));
  config.routes = std::move(routes);
  return config;
}

class LiveNicsTest : public ::testing::Test {
 protected:
  policy::Policy policy_ = testing::VethPolicy({testing::ActiveBackup("eth0", {"02:00:00:00:00:01"})});
  ObservedState observed_;
  testing::ObservedBuilder links_{observed_};
};

TEST_F(LiveNicsTest, AddressOrRouteMakesAManagedNicLive) {
  const int live = links_.Add("eth9", "02:00:00:00:00:09");
  const int routed = links_.Add("ens4", "02:00:00:00:00:04");
  const int fresh = links_.Add("ens5", "02:00:00:00:00:05");
  const std::map<int, LiveConfig> configs = {
      {live, Carrying({"192.0.2.10/24"}, {"the default route via 192.0.2.1"})},
      {routed, Carrying({}, {"route 10.0.0.0/8 via 192.0.2.254"})}};
  const auto verdicts = JudgeLiveNics(policy_, observed_, configs, {live, routed, fresh}, {});
  EXPECT_THAT(verdicts,
              ElementsAre(Pair(live, "left alone: carries 192.0.2.10/24 and the default route via 192.0.2.1; add a "
                                     "bridge named eth9 to the policy and run `failoverd --migrate` to convert it"),
                          Pair(routed, ::testing::HasSubstr("carries route 10.0.0.0/8 via 192.0.2.254"))));
}

TEST_F(LiveNicsTest, NicsFailoverdAlreadyHasAreNeverLive) {
  const int named = links_.Add("hweth3", "02:00:00:00:00:03");
  const int bridge = links_.Add("eth0", "02:00:00:00:00:e0", true, "bridge");
  const int port = links_.Add("ens2", "02:00:00:00:00:02");
  links_.Enslave(port, bridge);
  const int foreign = links_.Add("ens6", "02:00:00:00:00:06", true, "dummy");  // not selected by [nics]
  const int converting = links_.Add("ens7", "02:00:00:00:00:07");
  std::map<int, LiveConfig> configs;
  for (const int ifindex : {named, port, foreign, converting}) configs[ifindex] = Carrying({"192.0.2.10/24"});
  EXPECT_TRUE(JudgeLiveNics(policy_, observed_, configs, {named, bridge, port, foreign, converting}, {converting}).empty());
  EXPECT_TRUE(InFailoverdsHands(policy_, observed_, *observed_.Find(named)));
  EXPECT_FALSE(InFailoverdsHands(policy_, observed_, *observed_.Find(links_.Add("hwethx", "02:00:00:00:00:0a"))));
}

TEST_F(LiveNicsTest, OnlyCandidatesAreJudged) {
  const int live = links_.Add("eth9", "02:00:00:00:00:09");
  EXPECT_TRUE(JudgeLiveNics(policy_, observed_, {{live, Carrying({"192.0.2.10/24"})}}, {}, {}).empty());
}

TEST_F(LiveNicsTest, LeftAloneNicIsNoManagedNicInTheDecision) {
  const int live = links_.Add("ens1", "02:00:00:00:00:01");  // even the bridge's preferred port
  const std::map<int, std::string> left_alone = {{live, "left alone: carries 192.0.2.10/24"}};
  const Decision decision =
      Decide({policy_, observed_, {}, "machine", MonoTime{}, nullptr, nullptr, nullptr, &left_alone});
  EXPECT_EQ(decision.FindNic(live), nullptr);
  EXPECT_EQ(decision.bridges[0].active, 0);
  // Its name is taken: no NIC is given it.
  const int other = links_.Add("hweth7", "02:00:00:00:00:0b");
  (void)other;
  const Decision again = Decide({policy_, observed_, {}, "machine", MonoTime{}, nullptr, nullptr, nullptr, &left_alone});
  for (const auto& nic : again.nics) EXPECT_NE(nic.name, "ens1");
}

}  // namespace
}  // namespace failoverd::core
