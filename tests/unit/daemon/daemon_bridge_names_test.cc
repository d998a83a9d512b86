// Bridge names the kernel cannot give, and kernel errors that do not go away (issue 16
// point 6): a name held by a device failoverd does not manage is refused at --check and
// when a reload adds it; a bridge step the kernel keeps refusing shows the kernel's
// words in status and is retried with a growing delay, not every second.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/policy_checks.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using failoverd::testing::kMacA;
using ::testing::HasSubstr;

TEST(NameHeldProblemTest, OnlyADeviceFailoverdCannotTakeHoldsTheName) {
  auto policy = testing::VethPolicy({testing::ActiveBackup("eth1", {kMacA})});
  policy.source_path = "p.toml";
  policy.bridges[0].pos = {7, 1};
  core::LinkInfo holder;
  holder.ifindex = 9;
  holder.name = "eth1";
  holder.kind = "tun";
  EXPECT_EQ(NameHeldProblem(policy, policy.bridges[0], &holder),
            "p.toml:7:1: bridge name eth1 is held by a tun device failoverd does not manage (ifindex 9): the kernel "
            "cannot make a bridge of that name; rename the bridge, or that device");
  holder.kind = "veth";  // a NIC the policy manages: renamed to hwethN first
  EXPECT_EQ(NameHeldProblem(policy, policy.bridges[0], &holder), "");
  holder.kind = "bridge";  // a bridge: failoverd's, or someone's left alone (status says so)
  EXPECT_EQ(NameHeldProblem(policy, policy.bridges[0], &holder), "");
  EXPECT_EQ(NameHeldProblem(policy, policy.bridges[0], nullptr), "");
}

class BridgeNamesTest : public testing::DaemonTestBase {
 protected:
  policy::Policy Policy(std::vector<policy::Bridge> bridges) {
    auto policy = testing::VethPolicy(std::move(bridges));
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  nlohmann::json Bridge(const std::string& name) {
    const nlohmann::json status = daemon_->StatusJson();
    for (const auto& bridge : status["bridges"])
      if (bridge["name"] == name) return bridge;
    return nullptr;
  }
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(BridgeNamesTest, AReloadAddingANameATapHoldsIsRefusedAndTheRunningPolicyStays) {
  kernel_.AddNic("ens1", kMacA);
  const int tap = kernel_.AddNic("eth1", "02:00:00:00:09:01");
  kernel_.link(tap).kind = "tun";
  daemon_ = std::make_unique<Daemon>(Policy({testing::ActiveBackup("eth0", {kMacA})}), "machine", clock_, loop_,
                                     kernel_, firewall_);
  ASSERT_TRUE(daemon_->Start());
  auto next = Policy({testing::ActiveBackup("eth0", {kMacA}), testing::ActiveBackup("eth1", {})});
  next.source_path = "p.toml";
  auto applied = daemon_->ApplyPolicy(next);
  ASSERT_FALSE(applied);
  EXPECT_THAT(applied.message(), HasSubstr("bridge name eth1 is held by a tun device failoverd does not manage"));
  EXPECT_THAT(applied.message(), HasSubstr("the running policy stays in force"));
  EXPECT_TRUE(Bridge("eth1").is_null());
  EXPECT_EQ(kernel_.link(tap).name, "eth1");
}

TEST_F(BridgeNamesTest, AKernelErrorThatStaysIsInStatusAndRetriedWithAGrowingDelay) {
  kernel_.AddNic("ens1", kMacA);
  kernel_.FailAlways("bridge");
  daemon_ = std::make_unique<Daemon>(Policy({testing::ActiveBackup("eth0", {kMacA})}), "machine", clock_, loop_,
                                     kernel_, firewall_);
  ASSERT_TRUE(daemon_->Start());
  EXPECT_EQ(Bridge("eth0")["state"], "error");
  EXPECT_EQ(Bridge("eth0")["error"], "create-bridge failed: injected failure") << "the kernel's words";
  // 20 s of refusals: a retry every second would be 20 tries; a doubling delay from
  // 0.5 s makes 0.5, 1.5, 3.5, 7.5 and 15.5 s.
  for (int i = 0; i < 200; ++i) {
    clock_.Advance(Millis(100));
    loop_.RunDueTimers();
  }
  EXPECT_GE(kernel_.failed_calls["bridge"], 4);
  EXPECT_LE(kernel_.failed_calls["bridge"], 7);
  // Once the kernel takes it, the error goes.
  kernel_.FailAlways("");
  for (int i = 0; i < 400 && !kernel_.FindByName("eth0"); ++i) {
    clock_.Advance(Millis(100));
    loop_.RunDueTimers();
  }
  ASSERT_NE(kernel_.FindByName("eth0"), nullptr);
  EXPECT_TRUE(Bridge("eth0")["error"].is_null());
}

}  // namespace
}  // namespace failoverd
