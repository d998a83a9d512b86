#include "failoverd/core/plan.h"

#include <gtest/gtest.h>

#include "failoverd/core/bridge_mac.h"
#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;
using failoverd::testing::kMacA;
using failoverd::testing::kMacB;

class PlanTest : public ::testing::Test {
 protected:
  int Add(const std::string& name, const std::string& mac, const std::string& kind = "veth", bool up = true) {
    return links_.Add(name, mac, true, kind, up);
  }
  void Enslave(int ifindex, int master) { links_.Enslave(ifindex, master); }
  // A bridge as failoverd made it: its mark, and the MAC the policy gives it on machine "id".
  int OwnBridge(const std::string& name) { return Add(name, StableBridgeMac("id", name).ToString(), "bridge"); }
  // The reason of the one update-bridge action of the plan for `policy`; "" when none.
  std::string UpdateReason(const policy::Policy& policy) {
    const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime(std::chrono::hours(1))});
    std::string reason;
    for (const auto& action : MakePlan(policy, decision, observed_, progress_).actions)
      if (action.type == Action::Type::kUpdateBridge) reason = action.reason;
    return reason;
  }
  std::vector<std::string> Steps(const policy::Policy& policy) {
    const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime(std::chrono::hours(1))});
    std::vector<std::string> steps;
    for (const auto& action : MakePlan(policy, decision, observed_, progress_).actions) {
      std::string subject = action.bridge.empty() ? action.name : action.name.empty() ? action.bridge
                                                                                     : action.name + ">" + action.bridge;
      steps.push_back(std::string(ToString(action.type)) + " " + subject);
    }
    return steps;
  }

  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> remembered_;
  Progress progress_;
};

TEST_F(PlanTest, FreshHostFullOrder) {
  Add("ens1", kMacA);
  Add("eth0", kMacB);  // named like the bridge
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24")});
  EXPECT_EQ(Steps(policy), (std::vector<std::string>{
                               "rename hweth0", "rename hweth1",
                               "prepare hweth0", "up hweth0", "prepare hweth1", "up hweth1",
                               "create-bridge eth0", "install-zone eth0", "bridge-up eth0", "configure-l3 eth0",
                               "attach hweth0>eth0", "announce hweth0>eth0"}));
}

TEST_F(PlanTest, BridgesAreCreatedThenZonedThenUp) {
  // All zones of new bridges sit together (one nft transaction), each after its bridge
  // exists and before any bridge is up.
  Add("ens1", kMacA);
  Add("ens3", kMacB);
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacB})});
  std::vector<std::string> bridge_steps;
  for (const auto& step : Steps(policy))
    if (step.find("bridge") != std::string::npos || step.find("zone") != std::string::npos ||
        step.find("configure") != std::string::npos)
      bridge_steps.push_back(step);
  EXPECT_EQ(bridge_steps, (std::vector<std::string>{
                              "create-bridge eth0", "create-bridge eth1", "install-zone eth0", "install-zone eth1",
                              "bridge-up eth0", "configure-l3 eth0", "bridge-up eth1", "configure-l3 eth1"}));
}

TEST_F(PlanTest, SettledHostNeedsNothing) {
  const int a = Add("hweth0", kMacA);
  Add("hweth1", kMacB);
  const int br = OwnBridge("eth0");
  Enslave(a, br);
  progress_.prepared_nics = {a, a + 1};
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  EXPECT_TRUE(Steps(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})})).empty());
}

TEST_F(PlanTest, DetachComesBeforeAttach) {
  const int a = Add("hweth0", kMacA);
  const int b = Add("hweth1", kMacB);
  const int br = OwnBridge("eth0");
  // The wrong NIC is the port: B enslaved while A (first preferred) is... down.
  Enslave(b, br);
  links_.SetCarrier(b, false, MonoTime{});
  progress_.prepared_nics = {a, b};
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  EXPECT_EQ(Steps(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})})),
            (std::vector<std::string>{"detach hweth1>eth0", "attach hweth0>eth0", "announce hweth0>eth0"}));
}

TEST_F(PlanTest, NameSwapGoesThroughTemporaryNames) {
  const int a = Add("hweth1", kMacA, "veth", false);
  const int b = Add("hweth0", kMacB, "veth", false);
  remembered_[*MacAddress::Parse(kMacA)] = "hweth0";
  remembered_[*MacAddress::Parse(kMacB)] = "hweth1";
  const auto steps = Steps(VethPolicy({}));
  ASSERT_GE(steps.size(), 4u);
  EXPECT_EQ(steps[0], "rename fodtmp" + std::to_string(a));
  EXPECT_EQ(steps[1], "rename fodtmp" + std::to_string(b));
  EXPECT_EQ(steps[2], "rename hweth0");
  EXPECT_EQ(steps[3], "rename hweth1");
}

TEST_F(PlanTest, BridgeNameHeldByUnmanagedLinkIsBlocked) {
  Add("eth0", kMacB, "macvlan");
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA})});
  const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime{}});
  const Plan plan = MakePlan(policy, decision, observed_, progress_);
  ASSERT_EQ(plan.blocked.count("eth0"), 1u);
  EXPECT_NE(plan.blocked.at("eth0").find("does not manage"), std::string::npos);
  for (const auto& action : plan.actions) EXPECT_NE(action.bridge, "eth0") << action.Describe();
}

TEST_F(PlanTest, BridgeInErrorGetsNoActions) {
  Add("ens1", kMacA);
  progress_.bridge_errors["eth0"] = "zone failed";
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA})});
  const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime{}});
  const Plan plan = MakePlan(policy, decision, observed_, progress_);
  EXPECT_FALSE(plan.empty()) << "the NIC is still named and prepared";
  for (const auto& action : plan.actions) EXPECT_NE(action.bridge, "eth0") << action.Describe();
}

TEST_F(PlanTest, ManagedNicOnForeignBridgeIsDetached) {
  const int a = Add("hweth0", kMacA);
  const int other = Add("br-vm", "02:aa:00:00:00:09", "bridge");
  Enslave(a, other);
  progress_.prepared_nics = {a};
  const auto policy = VethPolicy({});
  EXPECT_EQ(Steps(policy), (std::vector<std::string>{"detach hweth0>br-vm"}));
}

// Issue 16, point 5: ownership.
TEST_F(PlanTest, ABridgeSomeoneElseMadeIsLeftAsItIsAndRefusedWithTheReason) {
  const int a = Add("hweth0", kMacA);
  const int mine = Add("ens9", "02:00:00:00:00:99");
  const int br = links_.AddForeignBridge("eth0", "02:aa:00:00:00:01");
  Enslave(mine, br);
  progress_.prepared_nics = {a};
  const policy::Policy policy = VethPolicy({ActiveBackup("eth0", {kMacA})});
  const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime(std::chrono::hours(1))});
  const Plan plan = MakePlan(policy, decision, observed_, progress_);
  for (const auto& action : plan.actions) EXPECT_NE(action.bridge, "eth0") << action.Describe();
  ASSERT_TRUE(plan.blocked.count("eth0"));
  EXPECT_NE(plan.blocked.at("eth0").find("was not made by failoverd"), std::string::npos);
  EXPECT_NE(plan.blocked.at("eth0").find("ip link set eth0 alias failoverd"), std::string::npos);
}

TEST_F(PlanTest, FailoverdsOwnBridgeIsBroughtToThePolicyOldToNew) {
  const int a = Add("hweth0", kMacA);
  const int br = Add("eth0", "02:aa:00:00:00:01", "bridge");
  LinkInfo link = *observed_.Find(br);
  link.bridge_settings = BridgeSettings{true, 1500};
  observed_.Update(link, MonoTime{});
  Enslave(a, br);
  progress_.prepared_nics = {a};
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  EXPECT_EQ(UpdateReason(VethPolicy({ActiveBackup("eth0", {kMacA})})),
            "not as the policy says: mac 02:aa:00:00:00:01 -> " + StableBridgeMac("id", "eth0").ToString() +
                ", stp on -> off, forward delay 15 -> 0 s");
}

TEST_F(PlanTest, AnInheritedMacIsNotMovedOnARunningBridge) {
  // mac = "inherit": the first preferred NIC now is hweth1 (hweth0 was unplugged), but
  // the bridge keeps the MAC it was given; only STP, the delay and the mark are brought back.
  const int b = Add("hweth1", kMacB);
  const int br = Add("eth0", kMacA, "bridge");
  LinkInfo link = *observed_.Find(br);
  link.bridge_settings = BridgeSettings{false, 0};
  observed_.Update(link, MonoTime{});
  Enslave(b, br);
  progress_.prepared_nics = {b};
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  policy::Policy policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  policy.bridges[0].mac.kind = policy::MacRule::Kind::kInherit;
  EXPECT_EQ(UpdateReason(policy), "") << "nothing to change";
  link.alias.clear();  // its mark cleared by someone: failoverd's all the same in this run
  progress_.own_bridges = {br};
  observed_.Update(link, MonoTime{});
  EXPECT_EQ(UpdateReason(policy), "not as the policy says: marked as failoverd's");
  const Decision decision = Decide({policy, observed_, remembered_, "id", MonoTime(std::chrono::hours(1))});
  for (const auto& action : MakePlan(policy, decision, observed_, progress_).actions)
    if (action.type == Action::Type::kUpdateBridge) {
      EXPECT_EQ(action.spec.mac.ToString(), kMacA) << "kept";
    }
}

TEST_F(PlanTest, AnUnmarkedBridgeFailoverdMadeIsMarkedByTheUpdate) {
  const int a = Add("hweth0", kMacA);
  const int br = links_.AddForeignBridge("eth0", StableBridgeMac("id", "eth0").ToString());
  Enslave(a, br);
  progress_.prepared_nics = {a};
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  progress_.unmarked_own_bridges = {"eth0"};
  EXPECT_EQ(UpdateReason(VethPolicy({ActiveBackup("eth0", {kMacA})})), "not as the policy says: marked as failoverd's");
}

TEST_F(PlanTest, ARetiredNameNowHeldBySomeoneElsesBridgeIsNotDeleted) {
  links_.AddForeignBridge("eth7", "02:aa:00:00:00:07");
  progress_.retired_bridges = {"eth7"};
  for (const auto& step : Steps(VethPolicy({}))) EXPECT_NE(step, "delete-bridge eth7");
}

// failoverd's eth0 was deleted and someone else's link took the name before the next
// reconcile: the zone dispatch goes by name, so the old zone would judge the newcomer.
TEST_F(PlanTest, AZoneGoesWhenSomeoneElsesBridgeTakesItsName) {
  links_.AddForeignBridge("eth0", "02:aa:00:00:00:01");
  progress_.zoned_bridges = {"eth0"};
  progress_.configured_bridges = {"eth0"};
  EXPECT_EQ(Steps(VethPolicy({ActiveBackup("eth0", {kMacA})})), (std::vector<std::string>{"remove-zone eth0"}));
}

TEST_F(PlanTest, AZoneGoesWhenALinkFailoverdDoesNotManageTakesItsName) {
  Add("eth0", kMacB, "macvlan");
  progress_.zoned_bridges = {"eth0"};
  EXPECT_EQ(Steps(VethPolicy({ActiveBackup("eth0", {kMacA})})), (std::vector<std::string>{"remove-zone eth0"}));
}

TEST_F(PlanTest, ARetiredBridgesZoneGoesWhenSomeoneElsesBridgeTakesItsName) {
  links_.AddForeignBridge("eth7", "02:aa:00:00:00:07");
  progress_.retired_bridges = {"eth7"};
  progress_.zoned_bridges = {"eth7"};
  EXPECT_EQ(Steps(VethPolicy({})), (std::vector<std::string>{"remove-zone eth7"}));
}

TEST_F(PlanTest, AnOwnBridgeKeepsItsZone) {
  OwnBridge("eth0");
  progress_.zoned_bridges = {"eth0"};
  for (const auto& step : Steps(VethPolicy({ActiveBackup("eth0", {kMacA})})))
    EXPECT_NE(step, "remove-zone eth0");
}

TEST(OwnedAtStartTest, OnlyBridgesMadeBeforeMarksOrLeftEmptyByACrashAreTakenBack) {
  ObservedState observed;
  failoverd::testing::ObservedBuilder links{observed};
  const policy::Policy policy =
      VethPolicy({ActiveBackup("eth0", {}), ActiveBackup("eth1", {}), ActiveBackup("eth2", {}),
                  ActiveBackup("eth3", {})});
  links.AddForeignBridge("eth0", "02:aa:00:00:00:01");  // up: someone's
  links.AddForeignBridge("eth1", "02:aa:00:00:00:02");
  const int eth2 = links.Add("eth2", "02:aa:00:00:00:03", true, "bridge", /*admin_up=*/false);
  LinkInfo unmarked = *observed.Find(eth2);
  unmarked.alias.clear();  // down, no port: what a crash between create and mark leaves
  observed.Update(unmarked, MonoTime{});
  links.Add("eth3", "02:aa:00:00:00:04", true, "bridge");  // marked: not "unmarked"
  EXPECT_EQ(OwnedAtStart(policy, observed, {"eth1"}, {"eth0", "eth1", "eth2", "eth3"}),
            (std::set<std::string>{"eth1", "eth2"}));
  EXPECT_EQ(OwnedAtStart(policy, observed, {}, {}), std::set<std::string>{}) << "not listed: someone else's";
}

}  // namespace
}  // namespace failoverd::core
