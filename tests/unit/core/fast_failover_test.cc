// The fast path's pure step: which single attach (if any) answers an active port's
// carrier loss, given the decision in force before the loss.
#include "failoverd/core/fast_failover.h"

#include <gtest/gtest.h>

#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;
using failoverd::testing::kMacA;
using failoverd::testing::kMacB;
using failoverd::testing::kMacC;

class FastFailoverTest : public ::testing::Test {
 protected:
  FastFailoverTest() : policy_(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})})) {}

  // hweth0 (active, port of eth0) and hweth1 (standby, up, carrier).
  void SettledPair() {
    a_ = links_.Add("hweth0", kMacA);
    b_ = links_.Add("hweth1", kMacB);
    bridge_ = links_.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
    links_.Enslave(a_, bridge_);
  }
  Decision DecideAt(MonoTime now) { return Decide({policy_, observed_, remembered_, "id", now}); }
  // The loss of `ifindex`'s carrier: the decision before, then the step.
  std::optional<FastAttach> Lose(int ifindex) {
    const Decision before = DecideAt(kNow);
    links_.SetCarrier(ifindex, false, kNow);
    return Step(before, observed_, ifindex);
  }
  std::optional<FastAttach> Step(const Decision& before, const ObservedState& observed, int ifindex) {
    return FastFailoverStep(before, observed, ifindex, kNow, std::chrono::milliseconds(policy_.daemon.up_delay_ms),
                            std::chrono::milliseconds(policy_.daemon.hold_down_ms));
  }

  const MonoTime kNow = MonoTime(std::chrono::hours(1));
  policy::Policy policy_;
  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> remembered_;
  int a_ = 0, b_ = 0, bridge_ = 0;
};

TEST_F(FastFailoverTest, ActivePortLossAttachesTheStandby) {
  SettledPair();
  const auto step = Lose(a_);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->nic, b_);
  EXPECT_EQ(step->bridge, bridge_);
  EXPECT_EQ(step->nic_name, "hweth1");
  EXPECT_EQ(step->bridge_name, "eth0");
}

TEST_F(FastFailoverTest, StandbyLossNeedsNothing) {
  SettledPair();
  EXPECT_FALSE(Lose(b_));
}

TEST_F(FastFailoverTest, NoStandbyWithCarrierNeedsNothing) {
  SettledPair();
  links_.SetCarrier(b_, false, MonoTime{});
  EXPECT_FALSE(Lose(a_));
}

TEST_F(FastFailoverTest, HoldDownKeepsThePort) {
  policy_.daemon.hold_down_ms = 200;
  SettledPair();
  EXPECT_FALSE(Lose(a_)) << "the debounce decides, not the first notification";
}

TEST_F(FastFailoverTest, StandbyNotUpOrStillToBeRenamedIsLeftToThePlan) {
  SettledPair();
  LinkInfo down = *observed_.Find(b_);
  down.admin_up = false;
  observed_.Update(down, MonoTime{});
  EXPECT_FALSE(Lose(a_)) << "a NIC that is down does not forward when enslaved";

  ObservedState fresh;
  failoverd::testing::ObservedBuilder links{fresh};
  const int a = links.Add("hweth0", kMacA);
  links.Add("ens2", kMacB);  // not yet renamed
  const int bridge = links.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
  links.Enslave(a, bridge);
  const Decision before = Decide({policy_, fresh, remembered_, "id", kNow});
  links.SetCarrier(a, false, kNow);
  EXPECT_FALSE(Step(before, fresh, a));
}

TEST_F(FastFailoverTest, StandbyInAnotherBridgeIsLeftToThePlan) {
  SettledPair();
  const int other = links_.Add("br9", "02:aa:00:00:00:09", true, "bridge");
  links_.Enslave(b_, other);
  EXPECT_FALSE(Lose(a_));
}

TEST_F(FastFailoverTest, SpareTakesOverWhenThePolicyAllowsSpares) {
  policy_ = VethPolicy({ActiveBackup("eth0", {kMacA})});
  policy_.bridges[0].spares = true;
  a_ = links_.Add("hweth0", kMacA);
  const int spare = links_.Add("hweth2", kMacC);
  bridge_ = links_.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
  links_.Enslave(a_, bridge_);
  const auto step = Lose(a_);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->nic, spare);
}

// The decision was made while hweth1 had no carrier; it came back 100 ms before the
// loss, inside up_delay: Decide() would pass it over for hweth2, and so does the step.
TEST_F(FastFailoverTest, ASuccessorWhoseCarrierCameBackInsideUpDelayIsPassedOver) {
  policy_ = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB, kMacC})});
  policy_.daemon.up_delay_ms = 2000;
  SettledPair();
  const int c = links_.Add("hweth2", kMacC);
  links_.SetCarrier(b_, false, kNow - std::chrono::seconds(10));
  const Decision before = DecideAt(kNow - std::chrono::seconds(1));
  links_.SetCarrier(b_, true, kNow - std::chrono::milliseconds(100));
  links_.SetCarrier(a_, false, kNow);
  const auto step = Step(before, observed_, a_);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->nic, c);
  EXPECT_EQ(Decide({policy_, observed_, remembered_, "id", kNow}).FindBridge("eth0")->active, c)
      << "the step and a full decision agree";
}

TEST_F(FastFailoverTest, ActiveBridgeOfNeedsTheRealPort) {
  SettledPair();
  const Decision decision = DecideAt(kNow);
  ASSERT_NE(ActiveBridgeOf(decision, observed_, a_), nullptr);
  EXPECT_EQ(ActiveBridgeOf(decision, observed_, a_)->policy->name, "eth0");
  EXPECT_EQ(ActiveBridgeOf(decision, observed_, b_), nullptr);
  EXPECT_EQ(ActiveBridgeOf(decision, observed_, bridge_), nullptr);
  EXPECT_EQ(ActiveBridgeOf(decision, observed_, 999), nullptr);
}

TEST(LostCarrierTest, OnlyTheLastNotePerLinkCounts) {
  const std::vector<CarrierNote> notes = {{2, false}, {3, true}, {2, true}, {4, false}, {3, false}, {5, true}};
  EXPECT_EQ(LostCarrier(notes), (std::vector<int>{3, 4}));
  EXPECT_TRUE(LostCarrier({}).empty());
}

}  // namespace
}  // namespace failoverd::core
