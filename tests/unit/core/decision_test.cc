#include "failoverd/core/decision.h"

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

constexpr const char* kMacSpare = "02:00:00:00:09:09";

// Observed links built by hand, with a clock the test moves.
class DecisionTest : public ::testing::Test {
 protected:
  int AddLink(const std::string& name, const std::string& mac, bool carrier, const std::string& kind = "veth") {
    return links_.Add(name, mac, carrier, kind);
  }
  void Change(int ifindex, bool carrier) { links_.SetCarrier(ifindex, carrier, now_); }
  void Enslave(int ifindex, int master) { links_.Enslave(ifindex, master, now_); }
  Decision Run(const policy::Policy& policy) {
    return Decide({policy, observed_, remembered_, "machine-id-1", now_});
  }
  std::string NameOf(const Decision& d, int ifindex) { return d.FindNic(ifindex)->name; }

  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> remembered_;
  MonoTime now_ = MonoTime(std::chrono::hours(1));
};

TEST_F(DecisionTest, FirstPreferredNicWithCarrierIsActive) {
  const int b = AddLink("ens2", kMacB, true);
  const int a = AddLink("ens1", kMacA, false);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, b) << "A has no carrier, so B";
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kStandby);
  EXPECT_EQ(d.FindNic(a)->bridge, "eth0");

  Change(a, true);
  d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a) << "nothing enslaved yet: the first preferred wins";
}

TEST_F(DecisionTest, CurrentActiveWinsTiesWithFailbackNever) {
  const int a = AddLink("hweth0", kMacA, true);
  const int b = AddLink("hweth1", kMacB, true);
  const int br = AddLink("eth0", "02:aa:00:00:00:01", true, "bridge");
  Enslave(b, br);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, b);
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kStandby);
  // Same input, same answer.
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, b);
}

TEST_F(DecisionTest, FailbackPreferredReturnsAfterUpDelay) {
  const int a = AddLink("hweth0", kMacA, false);
  const int b = AddLink("hweth1", kMacB, true);
  const int br = AddLink("eth0", "02:aa:00:00:00:01", true, "bridge");
  Enslave(b, br);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  policy.bridges[0].failback = policy::Failback::kPreferred;
  policy.daemon.up_delay_ms = 2000;
  Change(a, true);
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, b) << "A up for 0 ms < up_delay";
  ASSERT_TRUE(d.next_wakeup.has_value());
  EXPECT_EQ(*d.next_wakeup, now_ + Millis(2000));
  now_ += Millis(2000);
  d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a);
  EXPECT_NE(d.FindBridge("eth0")->reason.find("failback"), std::string::npos);
}

TEST_F(DecisionTest, HoldDownKeepsActiveThenFailsOver) {
  const int a = AddLink("hweth0", kMacA, true);
  const int b = AddLink("hweth1", kMacB, true);
  const int br = AddLink("eth0", "02:aa:00:00:00:01", true, "bridge");
  Enslave(a, br);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  policy.daemon.hold_down_ms = 300;
  Change(a, false);
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a) << "within hold-down";
  ASSERT_TRUE(d.next_wakeup.has_value());
  EXPECT_EQ(*d.next_wakeup, now_ + Millis(300));
  now_ += Millis(299);
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, a);
  now_ += Millis(1);
  d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, b);
  EXPECT_NE(d.FindNic(b)->reason.find("hweth0 lost carrier"), std::string::npos) << d.FindNic(b)->reason;
}

TEST_F(DecisionTest, DeadActiveStaysWhenNothingElseIsUsable) {
  const int a = AddLink("hweth0", kMacA, true);
  AddLink("hweth1", kMacB, false);
  const int br = AddLink("eth0", "02:aa:00:00:00:01", true, "bridge");
  Enslave(a, br);
  Change(a, false);
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a);
}

TEST_F(DecisionTest, SpareTakenOnlyWhenNoPreferredNicWorksAndSparesAllowed) {
  const int a = AddLink("hweth0", kMacA, false);
  const int spare = AddLink("hweth5", kMacSpare, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, spare);
  EXPECT_EQ(d.FindNic(spare)->bridge, "eth0");
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kStandby);

  policy.bridges[0].spares = false;
  d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, 0);
  EXPECT_EQ(d.FindNic(spare)->role, NicRole::kSpare);
  EXPECT_EQ(d.FindNic(spare)->bridge, "");
}

TEST_F(DecisionTest, OneSpareServesOnlyOneBridge) {
  const int spare = AddLink("hweth5", kMacSpare, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacB})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, spare);
  EXPECT_EQ(d.FindBridge("eth1")->active, 0);
}

TEST_F(DecisionTest, NicPreferredByTwoBridgesBelongsToTheFirst) {
  const int a = AddLink("ens1", kMacA, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacA})});
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a);
  EXPECT_EQ(d.FindBridge("eth1")->active, 0);
}

TEST_F(DecisionTest, MixedSelectorsKeepPolicyOrderAndFirstMatchingPort) {
  // MAC selectors are looked up by MAC, the others tried in turn: the answer is still
  // the first bridge in policy order, at the first of its ports that matches.
  const int a = AddLink("ens1", kMacA, true);
  const int b = AddLink("ens2", kMacB, true);
  remembered_[*MacAddress::Parse(kMacA)] = "hweth0";
  remembered_[*MacAddress::Parse(kMacB)] = "hweth1";
  using Kind = policy::NicSelector::Kind;
  auto policy = VethPolicy({ActiveBackup("eth0", {}), ActiveBackup("eth1", {}), ActiveBackup("eth2", {})});
  // eth0: B by name at port 1 (port 0 matches nothing); eth1: A by MAC and B by MAC;
  // eth2: A by name.
  policy.bridges[0].ports = {{Kind::kPath, "pci-none-*", {}}, {Kind::kName, "hweth1", {}}};
  policy.bridges[1].ports = {testing::MacPort(kMacB), testing::MacPort(kMacA)};
  policy.bridges[2].ports = {{Kind::kName, "hweth0", {}}};
  for (auto& bridge : policy.bridges) bridge.spares = false;
  Decision d = Run(policy);
  EXPECT_EQ(d.FindNic(b)->bridge, "eth0") << "eth0 comes first, although eth1 names B by MAC";
  EXPECT_EQ(d.FindNic(b)->preference, 1);
  EXPECT_EQ(d.FindNic(a)->bridge, "eth1") << "eth1 comes before eth2";
  EXPECT_EQ(d.FindNic(a)->preference, 1);
  EXPECT_EQ(d.FindBridge("eth2")->active, 0);

  // A name selector ahead of a MAC selector of the same bridge gives the lower index.
  policy.bridges[1].ports = {{Kind::kName, "hweth0", {}}, testing::MacPort(kMacA)};
  d = Run(policy);
  EXPECT_EQ(d.FindNic(a)->bridge, "eth1");
  EXPECT_EQ(d.FindNic(a)->preference, 0);
}

TEST_F(DecisionTest, OneNewNicStillGetsTheAllocatorsNames) {
  // Every NIC remembered: names come straight from memory. One new NIC: the allocator
  // decides, and the remembered ones keep their names.
  const int a = AddLink("ens1", kMacA, true);
  const int b = AddLink("ens2", kMacB, true);
  remembered_[*MacAddress::Parse(kMacA)] = "hweth3";
  remembered_[*MacAddress::Parse(kMacB)] = "hweth0";
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Decision d = Run(policy);
  EXPECT_EQ(NameOf(d, a), "hweth3");
  EXPECT_EQ(NameOf(d, b), "hweth0");
  const int c = AddLink("ens3", kMacSpare, true);
  d = Run(policy);
  EXPECT_EQ(NameOf(d, a), "hweth3");
  EXPECT_EQ(NameOf(d, b), "hweth0");
  EXPECT_EQ(NameOf(d, c), "hweth1");
}

TEST_F(DecisionTest, NamesFollowMemoryAndBridgesAreNotNics) {
  const int a = AddLink("ens1", kMacA, true);
  const int b = AddLink("eth0", kMacB, true);
  AddLink("br-other", "02:aa:00:00:00:07", true, "bridge");
  remembered_[*MacAddress::Parse(kMacB)] = "hweth0";
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Decision d = Run(policy);
  ASSERT_EQ(d.nics.size(), 2u);
  EXPECT_EQ(NameOf(d, b), "hweth0");
  EXPECT_EQ(NameOf(d, a), "hweth1");
}

TEST_F(DecisionTest, NameSelectorsMatchTheServiceName) {
  const int a = AddLink("ens7", kMacA, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {})});
  policy.bridges[0].ports = {{policy::NicSelector::Kind::kName, "hweth0", {}}};
  policy.bridges[0].spares = false;
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, a);
}

TEST_F(DecisionTest, NicWaitsForUdevButNotForever) {
  LinkInfo link;
  link.ifindex = 40;
  link.name = "ens1";
  link.kind = "veth";
  link.mac = *MacAddress::Parse(kMacA);
  link.carrier = true;
  link.udev_ready = false;
  observed_.Update(link, now_);  // appears now
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA})});
  policy.daemon.udev_source = policy::UdevSource::kUdev;
  Decision d = Run(policy);
  EXPECT_EQ(d.FindNic(40)->role, NicRole::kPending);
  EXPECT_EQ(d.FindNic(40)->name, "ens1");
  EXPECT_EQ(d.FindBridge("eth0")->active, 0);
  ASSERT_TRUE(d.next_wakeup.has_value());
  EXPECT_EQ(*d.next_wakeup, now_ + kUdevWait);

  now_ += kUdevWait;
  d = Run(policy);
  EXPECT_NE(d.FindNic(40)->role, NicRole::kPending) << "udevd never came: go ahead";

  now_ -= kUdevWait;
  policy.daemon.udev_source = policy::UdevSource::kKernel;
  EXPECT_NE(Run(policy).FindNic(40)->role, NicRole::kPending) << "no udevd to wait for";
}

TEST_F(DecisionTest, BridgeMacRules) {
  AddLink("ens1", kMacA, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacB}),
                            ActiveBackup("eth2", {})});
  policy.bridges[0].mac.kind = policy::MacRule::Kind::kInherit;
  policy.bridges[1].mac.kind = policy::MacRule::Kind::kInherit;  // no NIC present: falls back to stable
  policy.bridges[2].mac = {policy::MacRule::Kind::kExplicit, *MacAddress::Parse("02:12:34:56:78:9a")};
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->mac.ToString(), kMacA);
  // Pinned: a changed derivation would change every bridge's MAC on upgrade.
  EXPECT_EQ(d.FindBridge("eth1")->mac.ToString(), "6e:fd:5f:d0:ce:8e");
  EXPECT_EQ(d.FindBridge("eth2")->mac.ToString(), "02:12:34:56:78:9a");
}

// Known values, computed by hand (FNV-1a 64 over "failoverd-bridge", the machine id and
// the name, each followed by a zero byte; the low six bytes, locally administered
// unicast): an upgrade that changed them would give every bridge a new MAC, and every
// neighbour would have to learn it again.
TEST(BridgeMacTest, StableMacsArePinned) {
  EXPECT_EQ(StableBridgeMac("0123456789abcdef0123456789abcdef", "eth0").ToString(), "a2:fe:87:4d:32:9c");
  EXPECT_EQ(StableBridgeMac("0123456789abcdef0123456789abcdef", "eth1").ToString(), "ca:e1:8a:4d:32:02");
  EXPECT_EQ(StableBridgeMac("machine-id-1", "eth1").ToString(), "6e:fd:5f:d0:ce:8e");
}

TEST(BridgeMacTest, StableMacIsLocalUnicastAndDependsOnBothInputs) {
  const MacAddress mac = StableBridgeMac("id", "eth0");
  EXPECT_EQ(mac, StableBridgeMac("id", "eth0"));
  EXPECT_NE(mac, StableBridgeMac("id", "eth1"));
  EXPECT_NE(mac, StableBridgeMac("id2", "eth0"));
  EXPECT_EQ(mac.bytes[0] & 0x03, 0x02);
}

}  // namespace
}  // namespace failoverd::core
