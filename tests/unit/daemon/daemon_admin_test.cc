// The administrator's commands against the daemon with a fake kernel: attach,
// detach, auto, isolate, restore — what they change, what they refuse, and that
// they survive a restart through state.json.
#include <gtest/gtest.h>

#include <fstream>

#include "failoverd/daemon/daemon.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;
using testing::kMacA;
using testing::kMacB;

constexpr const char* kMacWan = "02:00:00:00:02:01";

class DaemonAdminTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    a_ = kernel_.AddNic("ens1", kMacA);
    b_ = kernel_.AddNic("ens2", kMacB);
    w_ = kernel_.AddNic("ens3", kMacWan);
  }
  policy::Policy Policy() {
    auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24"),
                              ActiveBackup("eth1", {kMacWan}, "198.51.100.9/24")});
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  std::unique_ptr<Daemon> Start() {
    auto daemon = std::make_unique<Daemon>(Policy(), "machine", clock_, loop_, kernel_, firewall_);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }
  std::string RoleOf(const Daemon& daemon, const std::string& nic) {
    const nlohmann::json status = daemon.StatusJson();
    for (const auto& entry : status["nics"])
      if (entry["name"] == nic) return entry["role"];
    return "absent";
  }
  std::string StateOf(const Daemon& daemon, const std::string& bridge) {
    const nlohmann::json status = daemon.StatusJson();
    for (const auto& entry : status["bridges"])
      if (entry["name"] == bridge) return entry["state"];
    return "absent";
  }

  int a_ = 0, b_ = 0, w_ = 0;
};

TEST_F(DaemonAdminTest, AttachMakesTheNicTheBridgesOnlyPort) {
  auto daemon = Start();
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  auto result = daemon->Attach("hweth1", "eth0");
  ASSERT_TRUE(result) << result.message();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_}) << "active-backup: the manual port replaces the active one";
  EXPECT_EQ(RoleOf(*daemon, "hweth1"), "manual");
  EXPECT_EQ(RoleOf(*daemon, "hweth0"), "standby");
  const nlohmann::json status = daemon->StatusJson();
  EXPECT_EQ(status["bridges"][0]["active"], "hweth1");
  for (const auto& port : status["bridges"][0]["ports"]) {
    // SPEC §6: a port is active or standby; the manual one is the active port.
    EXPECT_EQ(port["role"], port["nic"] == "hweth1" ? "active" : "standby") << port.dump();
    EXPECT_EQ(port["manual"], port["nic"] == "hweth1") << port.dump();
  }
}

TEST_F(DaemonAdminTest, ManualPortStaysWhenItLosesCarrier) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->Attach("hweth1", "eth0"));
  kernel_.SetCarrier(b_, false);
  daemon->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_}) << "the administrator decided; no failover";
}

TEST_F(DaemonAdminTest, DetachFailsOverAndAutoHandsBack) {
  auto daemon = Start();
  auto detached = daemon->Detach("hweth0");
  ASSERT_TRUE(detached) << detached.message();
  EXPECT_NE(detached->find("eth0 now uses hweth1"), std::string::npos) << *detached;
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_EQ(kernel_.link(a_).master, 0);
  EXPECT_EQ(RoleOf(*daemon, "hweth0"), "manual");

  auto handed = daemon->Auto("hweth0");
  ASSERT_TRUE(handed) << handed.message();
  EXPECT_EQ(RoleOf(*daemon, "hweth0"), "standby") << "failback = never: hweth1 keeps the job";
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  auto again = daemon->Auto("hweth0");
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("not overridden"), std::string::npos);
}

TEST_F(DaemonAdminTest, RefusesUnknownNicsAndBridges) {
  auto daemon = Start();
  auto no_nic = daemon->Attach("hweth9", "eth0");
  ASSERT_FALSE(no_nic);
  EXPECT_NE(no_nic.message().find("no managed NIC named 'hweth9'"), std::string::npos);
  auto no_bridge = daemon->Attach("hweth1", "eth7");
  ASSERT_FALSE(no_bridge);
  EXPECT_NE(no_bridge.message().find("no bridge named 'eth7'"), std::string::npos);
  EXPECT_FALSE(daemon->Isolate("eth7"));
  EXPECT_FALSE(daemon->Detach("eth0")) << "a bridge is not a NIC";
  EXPECT_TRUE(daemon->overrides().empty()) << "a refusal changes nothing";
}

TEST_F(DaemonAdminTest, RefusesAnAttachThatWouldBridgeTwoNetworks) {
  auto policy_with_identify = Policy();
  policy_with_identify.bridges[1].identify.arp_target = IpAddress::Parse("198.51.100.1");
  policy_with_identify.bridges[1].identify.require = policy::Require::kNone;
  // The decision core's own check: hweth2 is identified on eth1's network.
  core::NicDecision nic;
  nic.name = "hweth2";
  nic.identification.verdict = core::Identification::Verdict::kMatched;
  nic.identification.bridge = "eth1";
  nic.identification.reason = "ARP 198.51.100.1 answered";
  const std::string problem = core::ManualAttachProblem(nic, policy_with_identify.bridges[0]);
  EXPECT_NE(problem.find("hweth2's cable carries eth1's network"), std::string::npos) << problem;
  EXPECT_NE(problem.find("would bridge two networks"), std::string::npos) << problem;
  EXPECT_EQ(core::ManualAttachProblem(nic, policy_with_identify.bridges[1]), "");
  nic.identification.verdict = core::Identification::Verdict::kConflict;
  EXPECT_NE(core::ManualAttachProblem(nic, policy_with_identify.bridges[1]), "");
  nic.identification.verdict = core::Identification::Verdict::kUnknown;
  nic.identification.contradicted = {"eth0"};
  EXPECT_NE(core::ManualAttachProblem(nic, policy_with_identify.bridges[0]), "");
  policy::Bridge internal;
  internal.name = "br-vm";
  internal.mode = policy::BridgeMode::kInternal;
  nic.identification = {};
  EXPECT_NE(core::ManualAttachProblem(nic, internal).find("takes no NICs"), std::string::npos);
}

TEST_F(DaemonAdminTest, IsolateDetachesEveryPortAndKeepsAddressesAndZone) {
  auto daemon = Start();
  const int eth0 = kernel_.FindByName("eth0")->ifindex;
  const size_t scripts = firewall_.scripts.size();
  auto isolated = daemon->Isolate("eth0");
  ASSERT_TRUE(isolated) << isolated.message();
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  EXPECT_EQ(StateOf(*daemon, "eth0"), "isolated");
  EXPECT_EQ(kernel_.addresses[eth0], std::vector<std::string>{"192.0.2.9/24"});
  EXPECT_TRUE(kernel_.link(eth0).admin_up);
  EXPECT_EQ(firewall_.scripts.size(), scripts) << "the firewall is not touched";
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w_}) << "other bridges are not touched";

  // A failover must not bring it back: carrier changes while isolated attach nothing.
  kernel_.SetCarrier(a_, false);
  daemon->Resync();
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  kernel_.SetCarrier(a_, true);
  daemon->Resync();
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());

  auto restored = daemon->Restore("eth0");
  ASSERT_TRUE(restored) << restored.message();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  EXPECT_EQ(StateOf(*daemon, "eth0"), "up");
  EXPECT_TRUE(daemon->Restore("eth0")) << "restoring twice is not an error";
}

TEST_F(DaemonAdminTest, OverridesSurviveARestart) {
  {
    auto daemon = Start();
    ASSERT_TRUE(daemon->Attach("hweth1", "eth0"));
    ASSERT_TRUE(daemon->Isolate("eth1"));
  }
  kernel_.ClearCalls();
  auto daemon = Start();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
  EXPECT_EQ(RoleOf(*daemon, "hweth1"), "manual");
  EXPECT_EQ(StateOf(*daemon, "eth1"), "isolated");
  for (const auto& call : kernel_.calls()) EXPECT_EQ(call.find("detach"), std::string::npos) << call;
}

TEST_F(DaemonAdminTest, AttachToAnIsolatedBridgeWaitsForRestore) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->Isolate("eth0"));
  auto attached = daemon->Attach("hweth1", "eth0");
  ASSERT_TRUE(attached) << attached.message();
  EXPECT_NE(attached->find("isolated"), std::string::npos);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  ASSERT_TRUE(daemon->Restore("eth0"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
}

TEST_F(DaemonAdminTest, SecondManualAttachHandsTheFirstBack) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->Attach("hweth0", "eth0"));
  auto second = daemon->Attach("hweth1", "eth0");
  ASSERT_TRUE(second) << second.message();
  EXPECT_NE(second->find("hweth0 handed back"), std::string::npos) << *second;
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_EQ(RoleOf(*daemon, "hweth0"), "standby");
}

}  // namespace
}  // namespace failoverd
