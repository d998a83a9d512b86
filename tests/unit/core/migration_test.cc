#include "failoverd/core/migration.h"

#include <gtest/gtest.h>

#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;

constexpr const char* kMacA = "02:00:00:00:0e:01";
constexpr const char* kMacB = "02:00:00:00:0e:02";

AddressFact Static(const std::string& prefix) { return {*IpPrefix::Parse(prefix), true, 0, false}; }
AddressFact LinkLocal() { return {*IpPrefix::Parse("fe80::1/64"), true, 0, true}; }
ProcessFact Process(std::vector<std::string> argv) { return {42, std::move(argv)}; }

class MigrationTest : public ::testing::Test {
 protected:
  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
};

TEST_F(MigrationTest, AnAddressedNicNamedLikeABridgeIsACandidate) {
  policy::Bridge bridge = ActiveBackup("eth0", {kMacA, kMacB});
  const policy::Policy policy = VethPolicy({bridge});
  const int eth0 = links_.Add("eth0", kMacA);
  const int ens2 = links_.Add("ens2", kMacB);
  const auto candidates = FindMigrationCandidates(
      policy, observed_, {{eth0, {Static("192.0.2.10/24"), LinkLocal()}}, {ens2, {Static("192.0.2.11/24")}}});
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].bridge, "eth0");
  EXPECT_EQ(candidates[0].ifindex, eth0);
  EXPECT_EQ(candidates[0].mac, *MacAddress::Parse(kMacA));
  ASSERT_EQ(candidates[0].addresses.size(), 1u);  // the link-local address stays behind
  EXPECT_EQ(candidates[0].addresses[0].ToString(), "192.0.2.10/24");
}

TEST_F(MigrationTest, NoCandidateWithoutAddressesOrWhenTheNameIsABridgeOrUnmanaged) {
  const policy::Policy policy = VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacB}),
                                            ActiveBackup("eth2", {kMacB})});
  const int eth0 = links_.Add("eth0", kMacA);                        // only a link-local address
  const int eth1 = links_.Add("eth1", "02:00:00:00:0e:03", true, "bridge");  // already a bridge
  const int eth2 = links_.Add("eth2", "02:00:00:00:0e:04", true, "");        // not a managed NIC
  EXPECT_TRUE(FindMigrationCandidates(policy, observed_,
                                      {{eth0, {LinkLocal()}}, {eth1, {Static("192.0.2.1/24")}},
                                       {eth2, {Static("198.51.100.1/24")}}})
                  .empty());
}

TEST(ManagerProblem, DhcpClientForTheNicIsRefused) {
  ManagerFacts facts;
  facts.processes = {Process({"/sbin/dhclient", "-4", "-v", "-i", "-pf", "/run/dhclient.eth0.pid", "-lf",
                              "/var/lib/dhcp/dhclient.eth0.leases", "eth0"})};
  const std::string problem = ManagerProblem("eth0", {Static("192.0.2.10/24")}, facts);
  EXPECT_NE(problem.find("DHCP client (dhclient, pid 42)"), std::string::npos) << problem;
  EXPECT_NE(problem.find("inet static"), std::string::npos) << problem;
}

TEST(ManagerProblem, DhcpClientOfAnotherNicIsNotOurs) {
  ManagerFacts facts;
  facts.processes = {Process({"udhcpc", "-i", "eth1"}), Process({"dhcpcd", "eth1"}), Process({"sshd", "eth0"})};
  EXPECT_EQ(ManagerProblem("eth0", {Static("192.0.2.10/24")}, facts), "");
}

TEST(ManagerProblem, DhcpClientWithoutAnInterfaceServesThemAll) {
  ManagerFacts facts;
  facts.processes = {Process({"dhclient", "-pf", "/run/dhclient.pid"})};
  EXPECT_NE(ManagerProblem("eth0", {}, facts), "");
}

TEST(ManagerProblem, LeaseLifetimeIsRefused) {
  AddressFact leased = Static("192.0.2.77/24");
  leased.permanent = false;
  leased.valid_lft = 300;
  const std::string problem = ManagerProblem("eth0", {Static("192.0.2.10/24"), leased}, {});
  EXPECT_NE(problem.find("192.0.2.77/24 has a lease lifetime (valid 300 s)"), std::string::npos) << problem;
}

TEST(ManagerProblem, NetworkManagersThatManageTheNicAreRefused) {
  ManagerFacts networkd;
  networkd.networkd_state = "configured";
  EXPECT_NE(ManagerProblem("eth0", {}, networkd).find("Unmanaged=yes"), std::string::npos);
  networkd.networkd_state = "unmanaged";
  EXPECT_EQ(ManagerProblem("eth0", {}, networkd), "");
  ManagerFacts nm;
  nm.nm_managed = true;
  EXPECT_NE(ManagerProblem("eth0", {}, nm).find("nmcli device set eth0 managed no"), std::string::npos);
  nm.nm_managed = false;
  EXPECT_EQ(ManagerProblem("eth0", {}, nm), "");
}

TEST_F(MigrationTest, DecisionMustKeepTheNicAsPortWithItsMac) {
  policy::Bridge bridge = ActiveBackup("eth0", {kMacA, kMacB});
  bridge.mac = {policy::MacRule::Kind::kInherit, {}};
  const int eth0 = links_.Add("eth0", kMacA);
  links_.Add("ens2", kMacB);
  const MigrationCandidate candidate{"eth0", eth0, *MacAddress::Parse(kMacA), {}};
  policy::Policy policy = VethPolicy({bridge});
  const MonoTime now(std::chrono::hours(1));
  EXPECT_EQ(DecisionProblem(Decide({policy, observed_, {}, "machine", now}), observed_, candidate), "");

  // mac = "stable": the bridge would get another MAC than the NIC's.
  policy.bridges[0].mac = {policy::MacRule::Kind::kStable, {}};
  std::string problem = DecisionProblem(Decide({policy, observed_, {}, "machine", now}), observed_, candidate);
  EXPECT_NE(problem.find("not the NIC's 02:00:00:00:0e:01"), std::string::npos) << problem;

  // The other NIC preferred: the converted NIC would not stay the port.
  policy.bridges[0] = ActiveBackup("eth0", {kMacB, kMacA});
  policy.bridges[0].mac = {policy::MacRule::Kind::kInherit, {}};
  problem = DecisionProblem(Decide({policy, observed_, {}, "machine", now}), observed_, candidate);
  EXPECT_NE(problem.find("would not keep the NIC"), std::string::npos) << problem;
}

// Issue 16 point 5: `failoverd --migrate` takes over a bridge someone else made.
constexpr const char* kForeignMac = "02:00:00:00:0e:0e";

TEST_F(MigrationTest, OnlyBridgesSomeoneElseMadeAreTakenOver) {
  const policy::Policy policy =
      VethPolicy({ActiveBackup("eth0", {kMacA}), ActiveBackup("eth1", {kMacB}), ActiveBackup("eth2", {kMacB})});
  const int eth0 = links_.AddForeignBridge("eth0", kForeignMac);
  links_.Add("eth1", "02:00:00:00:0e:11", true, "bridge");           // failoverd's own (marked)
  links_.AddForeignBridge("eth2", "02:00:00:00:0e:12");               // taken back at start (OwnedAtStart)
  links_.AddForeignBridge("br-vm", "02:00:00:00:0e:13");              // not the policy's
  const int ens1 = links_.Add("ens1", kMacA);
  const int tap = links_.Add("tap0", "02:00:00:00:0e:20", true, "tun");
  links_.Enslave(ens1, eth0);
  links_.Enslave(tap, eth0);
  const auto taken = FindForeignBridges(policy, observed_, {{eth0, {Static("192.0.2.10/24"), LinkLocal()}}}, {"eth2"});
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].bridge, "eth0");
  EXPECT_EQ(taken[0].ifindex, eth0);
  EXPECT_EQ(taken[0].mac, *MacAddress::Parse(kForeignMac));
  EXPECT_EQ(taken[0].ports, (std::vector<int>{ens1, tap}));
  ASSERT_EQ(taken[0].addresses.size(), 1u);
  EXPECT_EQ(taken[0].addresses[0].ToString(), "192.0.2.10/24");
}

class TakeoverTest : public MigrationTest {
 protected:
  // Someone's eth0 (kForeignMac) forwarding through ens1 (kMacA), with a guest's tap;
  // ens2 (kMacB) is a second NIC of the policy, not in it.
  void SetUp() override {
    eth0_ = links_.AddForeignBridge("eth0", kForeignMac);
    ens1_ = links_.Add("ens1", kMacA);
    links_.Add("ens2", kMacB);
    const int tap = links_.Add("tap0", "02:00:00:00:0e:20", true, "tun");
    links_.Enslave(ens1_, eth0_);
    links_.Enslave(tap, eth0_);
  }
  std::string Problem(const policy::Policy& policy) {
    const auto taken = FindForeignBridges(policy, observed_, {}, {});
    EXPECT_EQ(taken.size(), 1u);
    const MonoTime now(std::chrono::hours(1));
    return taken.empty() ? "?" : TakeoverProblem(policy, Decide({policy, observed_, {}, "machine", now}), observed_,
                                                 taken[0]);
  }
  static policy::Bridge KeepingItsMac(std::vector<std::string> ports) {
    policy::Bridge bridge = ActiveBackup("eth0", std::move(ports));
    bridge.mac = {policy::MacRule::Kind::kExplicit, *MacAddress::Parse(kForeignMac)};
    return bridge;
  }
  int eth0_ = 0;
  int ens1_ = 0;
};

TEST_F(TakeoverTest, ABridgeThatKeepsItsMacAndPortIsTakenOver) {
  EXPECT_EQ(Problem(VethPolicy({KeepingItsMac({kMacA, kMacB})})), "");
  policy::Bridge inherit = ActiveBackup("eth0", {kMacA, kMacB});
  inherit.mac = {policy::MacRule::Kind::kInherit, {}};  // an inherited MAC is never moved on a running bridge
  EXPECT_EQ(Problem(VethPolicy({inherit})), "");
}

TEST_F(TakeoverTest, APortThePolicyDoesNotSelectMayBeAnUplinkAndIsRefused) {
  const int uplink = links_.Add("eno1", "02:00:00:00:0e:30", true, "");  // a physical NIC, not selected
  links_.Enslave(uplink, eth0_);
  const std::string problem = Problem(VethPolicy({KeepingItsMac({kMacA, kMacB})}));
  EXPECT_NE(problem.find("has port eno1 (a device), which the policy does not select"), std::string::npos) << problem;
  EXPECT_NE(problem.find("(a loop)"), std::string::npos) << problem;
  EXPECT_NE(problem.find("ip link set eno1 nomaster"), std::string::npos) << problem;
}

TEST_F(TakeoverTest, AnotherStpStateIsRefused) {
  LinkInfo with_stp = *observed_.Find(eth0_);
  with_stp.bridge_settings = BridgeSettings{true, 1500};
  observed_.Update(with_stp, MonoTime{});
  const std::string problem = Problem(VethPolicy({KeepingItsMac({kMacA, kMacB})}));  // stp = false
  EXPECT_NE(problem.find("bridge eth0 has STP on and the policy says off"), std::string::npos) << problem;
  EXPECT_NE(problem.find("Set stp = true"), std::string::npos) << problem;
  policy::Policy same = VethPolicy({KeepingItsMac({kMacA, kMacB})});
  same.bridges[0].stp = true;
  same.bridges[0].forward_delay_s = 4;  // another forward delay is no problem
  EXPECT_EQ(Problem(same), "");
}

TEST_F(TakeoverTest, AnotherMacIsRefused) {
  const std::string problem = Problem(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})}));  // mac = "stable"
  EXPECT_NE(problem.find("instead of its 02:00:00:00:0e:0e"), std::string::npos) << problem;
  EXPECT_NE(problem.find("mac = \"02:00:00:00:0e:0e\""), std::string::npos) << problem;
}

TEST_F(TakeoverTest, AnotherPortInPlaceOfTheOneItForwardsThroughIsRefused) {
  // The NIC it forwards through keeps the job while it has carrier (failback never)...
  EXPECT_EQ(Problem(VethPolicy({KeepingItsMac({kMacB, kMacA})})), "");
  // ...unless the policy does not give it to this bridge (not a port, no spares).
  policy::Bridge only_ens2 = KeepingItsMac({kMacB});
  only_ens2.spares = false;
  const std::string problem = Problem(VethPolicy({only_ens2}));
  EXPECT_NE(problem.find("forwards through ens1"), std::string::npos) << problem;
  EXPECT_NE(problem.find("would put ens2 in its place"), std::string::npos) << problem;
}

}  // namespace
}  // namespace failoverd::core
