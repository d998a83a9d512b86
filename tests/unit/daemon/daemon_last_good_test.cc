// The last good policy end to end on the fakes (issue 14): kept after a successful
// start, reload or confirm; run instead of a broken policy file at start; and the
// confirm window of a policy changed since, which goes back to the last good one
// unless confirmed. Also: reloads that would cut the host off are refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/start_plan.h"
#include "failoverd/runtime/atomic_file.h"
#include "failoverd/state/state_store.h"
#include "fakes/daemon_test_base.h"
#include "policy/policy_parser.h"

namespace failoverd {
namespace {

const char* kTwoBridges = R"(
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [ { mac = "02:00:00:00:01:01" } ]
[[bridge]]
name = "eth1"
zone = "lan"
address = ["198.51.100.9/24"]
ports = [ { mac = "02:00:00:00:02:01" } ]
)";
const char* kWithVmSwitch = "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n";

class DaemonLastGoodTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    kernel_.AddNic("ens1", "02:00:00:00:01:01");
    kernel_.AddNic("ens2", "02:00:00:00:02:01");
    policy_path_ = temp_.path() + "/policy.toml";
    WritePolicy(kTwoBridges);
  }
  void WritePolicy(const std::string& bridges, int start_confirm_s = 30) {
    const std::string text = "[daemon]\nstate_dir = \"" + state_dir_ + "\"\nzones_dir = \"" FAILOVERD_SOURCE_DIR
                             "/firewall/zones\"\nudev_source = \"kernel\"\nstart_confirm_s = " +
                             std::to_string(start_confirm_s) + "\n[nics]\ninclude = [\"kind:veth\"]\n" + bridges;
    ASSERT_TRUE(WriteFileAtomically(policy_path_, text));
  }
  // What main() does: plan the start, then run the daemon on the plan.
  std::unique_ptr<Daemon> StartAsMainWould() {
    auto plan = PlanStart(policy_path_, policy::ParsePolicyFile(policy_path_), &firewall_, clock_.WallNow());
    EXPECT_TRUE(plan) << plan.message();
    if (!plan) return nullptr;
    auto daemon = std::make_unique<Daemon>(plan->start.policy, "machine", clock_, loop_, kernel_, firewall_);
    daemon->SetPolicyPath(policy_path_);
    daemon->SetPolicyOrigin(plan->origin);
    EXPECT_TRUE(daemon->Start());
    daemon->StartedSuccessfully();
    return daemon;
  }
  std::string LastGoodText() const {
    auto saved = LastGood(state_dir_).Load();
    return saved && *saved ? (*saved)->copy.text : "";
  }

  std::string policy_path_;
};

TEST_F(DaemonLastGoodTest, ASuccessfulStartKeepsThePolicyAsTheLastGoodOne) {
  auto daemon = StartAsMainWould();
  EXPECT_EQ(LastGoodText(), *ReadWholeFile(policy_path_));
  const nlohmann::json policy = daemon->StatusJson()["policy"];
  EXPECT_EQ(policy["running"], "file");
  EXPECT_TRUE(policy["fallback"].is_null());
  EXPECT_FALSE(policy["last_good_saved_at"].is_null());
  // The zero phase an early-boot unit loads, from the same policy.
  auto zero = ReadWholeFile(LastGood(state_dir_).zero_phase_path());
  ASSERT_TRUE(zero);
  EXPECT_NE(zero->find("policy drop;"), std::string::npos);
  EXPECT_NE(zero->find("elements = { \"eth0\", \"eth1\" }"), std::string::npos) << *zero;
}

TEST_F(DaemonLastGoodTest, ABrokenPolicyFileAtStartRunsTheLastGoodOneLoudly) {
  StartAsMainWould().reset();
  WritePolicy(std::string(kTwoBridges) + "zone = \"lan\"\n");  // a duplicate key: invalid
  auto daemon = StartAsMainWould();
  ASSERT_TRUE(daemon);
  EXPECT_NE(kernel_.FindByName("eth1"), nullptr);
  const nlohmann::json policy = daemon->StatusJson()["policy"];
  EXPECT_EQ(policy["running"], "last-good");
  EXPECT_EQ(policy["fallback"], "invalid");
  EXPECT_NE(policy["message"].get<std::string>().find("THE POLICY FILE IS INVALID"), std::string::npos);
  EXPECT_NE(daemon->MetricsText().find("failoverd_policy_fallback{reason=\"invalid\"} 1"), std::string::npos);
  EXPECT_NE(daemon->events().ToJson().dump().find("THE POLICY FILE IS INVALID"), std::string::npos);
  // The broken file never becomes the last good one; a fixed one does, by a reload.
  EXPECT_EQ(LastGoodText().find("zone = \"lan\"\nzone"), std::string::npos);
  WritePolicy(std::string(kTwoBridges) + kWithVmSwitch);
  ASSERT_TRUE(daemon->Reload());
  EXPECT_EQ(daemon->StatusJson()["policy"]["running"], "file");
  EXPECT_NE(LastGoodText().find("br-vm"), std::string::npos);
}

TEST_F(DaemonLastGoodTest, AZoneFileGoneAtStartRunsTheLastGoodPolicyWithItsZones) {
  const std::string zones = temp_.path() + "/zones";
  std::filesystem::create_directories(zones);
  ASSERT_TRUE(WriteFileAtomically(zones + "/web.nft", "input {\n  tcp dport 80 accept\n}\n"));
  std::string bridges = kTwoBridges;
  bridges.replace(bridges.find("zone = \"lan\""), 12, "zone = \"web\"");
  ASSERT_TRUE(WriteFileAtomically(policy_path_, "[daemon]\nstate_dir = \"" + state_dir_ + "\"\nzones_dir = \"" + zones +
                                                    "\"\nudev_source = \"kernel\"\n[nics]\ninclude = [\"kind:veth\"]\n" +
                                                    bridges));
  StartAsMainWould().reset();
  std::filesystem::remove(zones + "/web.nft");
  firewall_.scripts.clear();
  auto daemon = StartAsMainWould();
  ASSERT_TRUE(daemon);
  EXPECT_EQ(daemon->StatusJson()["policy"]["fallback"], "invalid");
  EXPECT_NE(firewall_.scripts.front().find("in_eth0 tcp dport 80 accept"), std::string::npos)
      << "the last good zone, from the copy";
}

TEST_F(DaemonLastGoodTest, AChangedPolicyGoesBackToTheLastGoodOneUnlessConfirmed) {
  StartAsMainWould().reset();
  WritePolicy(std::string(kTwoBridges) + kWithVmSwitch);
  auto daemon = StartAsMainWould();
  ASSERT_NE(kernel_.FindByName("br-vm"), nullptr) << "the changed policy runs";
  const nlohmann::json pending = daemon->StatusJson()["policy"]["pending_start"];
  ASSERT_TRUE(pending.is_object());
  EXPECT_EQ(pending["seconds_left"], 30);
  EXPECT_EQ(LastGoodText().find("br-vm"), std::string::npos) << "not the last good one until confirmed";

  clock_.Advance(Millis(29000));
  loop_.RunDueTimers();
  ASSERT_NE(kernel_.FindByName("br-vm"), nullptr) << "not yet";
  clock_.Advance(Millis(1000));
  loop_.RunDueTimers();
  EXPECT_EQ(kernel_.FindByName("br-vm"), nullptr) << "back to the last good policy";
  EXPECT_EQ(daemon->StatusJson()["policy"]["fallback"], "unconfirmed");
  EXPECT_TRUE(daemon->StatusJson()["policy"]["pending_start"].is_null());
  EXPECT_FALSE(daemon->Confirm()) << "nothing left to confirm";

  // The next start does not try it again by itself.
  daemon.reset();
  auto again = StartAsMainWould();
  EXPECT_EQ(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_EQ(again->StatusJson()["policy"]["fallback"], "unconfirmed");
  // ... but a reload does, and makes it the last good one.
  ASSERT_TRUE(again->Reload());
  EXPECT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_NE(LastGoodText().find("br-vm"), std::string::npos);
}

TEST_F(DaemonLastGoodTest, ConfirmKeepsTheChangedPolicyAndMakesItTheLastGoodOne) {
  StartAsMainWould().reset();
  WritePolicy(std::string(kTwoBridges) + kWithVmSwitch);
  auto daemon = StartAsMainWould();
  auto confirmed = daemon->Confirm();
  ASSERT_TRUE(confirmed) << confirmed.message();
  EXPECT_NE(confirmed->find("confirmed"), std::string::npos);
  clock_.Advance(Millis(60000));
  loop_.RunDueTimers();
  EXPECT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_NE(LastGoodText().find("br-vm"), std::string::npos);
  daemon.reset();
  auto again = StartAsMainWould();
  EXPECT_TRUE(again->StatusJson()["policy"]["pending_start"].is_null()) << "no window for the last good policy";
}

TEST_F(DaemonLastGoodTest, AWindowLeftOpenByAKilledDaemonGoesOnWithItsOwnDeadline) {
  StartAsMainWould().reset();
  WritePolicy(std::string(kTwoBridges) + kWithVmSwitch);
  StartAsMainWould().reset();  // killed inside the window
  clock_.Advance(Millis(20000));
  auto daemon = StartAsMainWould();
  EXPECT_EQ(daemon->StatusJson()["policy"]["pending_start"]["seconds_left"], 10);
  clock_.Advance(Millis(10000));
  loop_.RunDueTimers();
  EXPECT_EQ(kernel_.FindByName("br-vm"), nullptr);
}

TEST_F(DaemonLastGoodTest, ReloadsThatWouldCutTheHostOffAreRefusedUnlessForced) {
  auto daemon = StartAsMainWould();
  // An emptied policy file is invalid: refused, and the bridges stay.
  ASSERT_TRUE(WriteFileAtomically(policy_path_, ""));
  auto refused = daemon->Reload();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("the policy has no [[bridge]]"), std::string::npos) << refused.message();
  EXPECT_NE(kernel_.FindByName("eth0"), nullptr);
  // Every bridge deleted (here: renamed): refused unless forced.
  WritePolicy("[[bridge]]\nname = \"lan9\"\nports = [ { mac = \"02:00:00:00:01:01\" } ]\n");
  refused = daemon->Reload();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("the new policy deletes every bridge (eth0, eth1)"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("failoverctl reload --force"), std::string::npos);
  EXPECT_NE(kernel_.FindByName("eth0"), nullptr);
  PolicyGuardRequest force;
  force.force = true;
  ASSERT_TRUE(daemon->Reload(force));
  EXPECT_EQ(kernel_.FindByName("eth0"), nullptr);
  EXPECT_NE(kernel_.FindByName("lan9"), nullptr);
}

}  // namespace
}  // namespace failoverd
