// Reload and apply with a fake kernel: a refused policy changes nothing; a valid
// one is carried out as a difference (new bridge with its zone, removed bridge
// deleted with its zone, changed zone replaced, changed addresses, preferences
// re-evaluated without detaching a working port); apply --confirm rolls back.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"
#include "policy/policy_parser.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;
using testing::kMacA;
using testing::kMacB;

constexpr const char* kMacWan = "02:00:00:00:02:01";

std::string PolicyText(const std::string& state_dir, const std::string& zones_dir, const std::string& bridges) {
  return "[daemon]\nstate_dir = \"" + state_dir + "\"\nzones_dir = \"" + zones_dir +
         "\"\nudev_source = \"kernel\"\n[nics]\ninclude = [\"kind:veth\"]\n" + bridges;
}

const char* kTwoBridges = R"(
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [ { mac = "02:00:00:00:01:01" }, { mac = "02:00:00:00:01:02" } ]
[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [ { mac = "02:00:00:00:02:01" } ]
)";

class DaemonReloadTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    a_ = kernel_.AddNic("ens1", kMacA);
    b_ = kernel_.AddNic("ens2", kMacB);
    w_ = kernel_.AddNic("ens3", kMacWan);
    zones_dir_ = temp_.path() + "/zones";
    std::filesystem::create_directories(zones_dir_);
    WriteZone("lan", "input {\n  tcp dport 22 accept\n}\n");
    WriteZone("external", "input {\n  icmp type echo-request accept\n}\n");
    policy_path_ = temp_.path() + "/policy.toml";
    WritePolicy(kTwoBridges);
  }
  void WriteZone(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(zones_dir_ + "/" + name + ".nft", text));
  }
  void WritePolicy(const std::string& bridges, const std::string& path = "") {
    ASSERT_TRUE(WriteFileAtomically(path.empty() ? policy_path_ : path, PolicyText(temp_.path(), zones_dir_, bridges)));
  }
  std::unique_ptr<Daemon> Start() {
    const auto parsed = policy::ParsePolicyFile(policy_path_);
    EXPECT_TRUE(parsed.policy) << (parsed.errors.empty() ? "" : parsed.errors[0].ToString());
    auto daemon = std::make_unique<Daemon>(*parsed.policy, "machine", clock_, loop_, kernel_, firewall_);
    daemon->SetPolicyPath(policy_path_);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }

  std::string zones_dir_;
  std::string policy_path_;
  int a_ = 0, b_ = 0, w_ = 0;
};

TEST_F(DaemonReloadTest, InvalidPolicyIsRefusedWithEveryErrorAndChangesNothing) {
  auto daemon = Start();
  kernel_.ClearCalls();
  WritePolicy("[[bridge]]\nname = \"eth0\"\nmode = \"sideways\"\nbogus = 1\n");
  auto reloaded = daemon->Reload();
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.message().find(policy_path_ + ":"), std::string::npos) << reloaded.message();
  EXPECT_NE(reloaded.message().find("sideways"), std::string::npos) << reloaded.message();
  EXPECT_NE(reloaded.message().find("bogus"), std::string::npos) << reloaded.message();
  EXPECT_NE(reloaded.message().find("running policy stays"), std::string::npos);
  EXPECT_TRUE(kernel_.calls().empty());
  EXPECT_EQ(daemon->policy().bridges.size(), 2u);
  // The old policy keeps working: a failover still happens.
  kernel_.SetCarrier(a_, false);
  daemon->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
}

TEST_F(DaemonReloadTest, MissingZoneIsRefusedBeforeAnythingChanges) {
  auto daemon = Start();
  kernel_.ClearCalls();
  const size_t scripts = firewall_.scripts.size();
  WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"eth2\"\nzone = \"nosuchzone\"\nmode = \"internal\"\n");
  auto reloaded = daemon->Reload();
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.message().find("nosuchzone"), std::string::npos) << reloaded.message();
  EXPECT_TRUE(kernel_.calls().empty());
  EXPECT_EQ(firewall_.scripts.size(), scripts);
  EXPECT_EQ(kernel_.FindByName("eth2"), nullptr);
}

TEST_F(DaemonReloadTest, NewBridgeIsCreatedWithItsZoneBeforeItGoesUp) {
  auto daemon = Start();
  kernel_.ClearCalls();
  WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n");
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  ASSERT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_LT(IndexOf("firewall add chain inet failoverd in_br-vm"), IndexOf("up br-vm"));
  EXPECT_FALSE(Called("detach")) << "nothing else is touched";
  EXPECT_FALSE(Called("in_eth0")) << "unchanged zones are not reinstalled";
}

// Five internal bridges more: a plan of many steps before any port is touched.
std::string FiveMoreBridges() {
  std::string text = kTwoBridges;
  for (int i = 0; i < 5; ++i)
    text += "[[bridge]]\nname = \"br-vm" + std::to_string(i) + "\"\nzone = \"lan\"\nmode = \"internal\"\n";
  return text;
}

TEST_F(DaemonReloadTest, CarrierLossDuringALongReloadIsFailedOverBeforeTheReloadGoesOn) {
  auto daemon = Start();
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  kernel_.ClearCalls();
  // The loss is reported while br-vm1 is being made; the runner's pump hands it over.
  bool reported = false;
  daemon->SetLinkPump([&] {
    if (!reported) return;
    reported = false;
    daemon->OnLinkNotifications({{a_, false}});
  });
  kernel_.after_call = [&](const std::string& call) {
    clock_.Advance(Millis(2));  // each kernel change takes time
    if (call.rfind("bridge br-vm1 ", 0) == 0) {
      kernel_.SetCarrier(a_, false);
      reported = true;
    }
  };
  WritePolicy(FiveMoreBridges());
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  // Within one step of the loss, before the rest of the reload.
  EXPECT_EQ(IndexOf("attach hweth1 eth0"), IndexOf("bridge br-vm1 ") + 1);
  EXPECT_EQ(daemon->metrics().fast_failovers, 1u);
  // The reload is then planned again from what is true and finished.
  loop_.RunDueTimers();
  for (int i = 0; i < 5; ++i) {
    const core::LinkInfo* bridge = kernel_.FindByName("br-vm" + std::to_string(i));
    ASSERT_NE(bridge, nullptr) << i;
    EXPECT_TRUE(bridge->admin_up) << i;
  }
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_TRUE(Called("detach hweth0"));
  EXPECT_EQ(daemon->StatusJson()["bridges"][0]["active"], "hweth1");
  daemon->SetLinkPump(nullptr);
  kernel_.after_call = nullptr;
}

TEST_F(DaemonReloadTest, APlanIsNotInterruptedOnceItTouchedAPort) {
  auto daemon = Start();
  kernel_.ClearCalls();
  std::vector<size_t> pumped_at;  // how many changes were made when the pump ran
  daemon->SetLinkPump([&] { pumped_at.push_back(kernel_.calls().size()); });
  kernel_.after_call = [&](const std::string&) { clock_.Advance(Millis(2)); };
  // hweth0 is no longer allowed: eth0 moves to hweth1 (a detach and an attach) in
  // the plan that also makes the new bridges.
  std::string text = FiveMoreBridges();
  const std::string ports = "{ mac = \"02:00:00:00:01:01\" }, { mac = \"02:00:00:00:01:02\" }";
  text.replace(text.find(ports), ports.size(), "{ mac = \"02:00:00:00:01:02\" }");
  text.replace(text.find("zone = \"lan\""), 12, "zone = \"lan\"\nspares = false");
  WritePolicy(text);
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  const size_t first_port_change = std::min(IndexOf("detach hweth0"), IndexOf("attach hweth1 eth0"));
  ASSERT_FALSE(pumped_at.empty()) << "the bridges before it were made with the pump between steps";
  for (size_t at : pumped_at) EXPECT_LE(at, first_port_change) << "no pump after the first port change";
  EXPECT_EQ(daemon->metrics().fast_failovers, 0u);
  daemon->SetLinkPump(nullptr);
  kernel_.after_call = nullptr;
}

TEST_F(DaemonReloadTest, RemovedBridgeReleasesItsNicsAndGoesWithItsZone) {
  auto daemon = Start();
  kernel_.ClearCalls();
  WritePolicy(R"(
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
ports = [ { mac = "02:00:00:00:01:01" }, { mac = "02:00:00:00:01:02" } ]
)");
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  EXPECT_EQ(kernel_.FindByName("eth1"), nullptr);
  EXPECT_EQ(kernel_.link(w_).master, 0);
  EXPECT_LT(IndexOf("detach hweth2"), IndexOf("delete eth1"));
  EXPECT_LT(IndexOf("delete eth1"), IndexOf("delete chain inet failoverd in_eth1"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_}) << "eth0 untouched";
  std::ifstream state(temp_.path() + "/state.json");
  const auto json = nlohmann::json::parse(state);
  EXPECT_EQ(json["bridges"], nlohmann::json::array({"eth0"}));
}

TEST_F(DaemonReloadTest, BridgeDroppedWhileStoppedIsDeletedAtStart) {
  Start().reset();
  WritePolicy(R"(
[[bridge]]
name = "eth0"
zone = "lan"
ports = [ { mac = "02:00:00:00:01:01" } ]
)");
  kernel_.ClearCalls();
  auto daemon = Start();
  EXPECT_EQ(kernel_.FindByName("eth1"), nullptr);
  EXPECT_TRUE(Called("delete eth1"));
  EXPECT_FALSE(Called("delete eth0"));
}

TEST_F(DaemonReloadTest, ChangedZoneIsReplacedWithoutTouchingPorts) {
  auto daemon = Start();
  kernel_.ClearCalls();
  WriteZone("lan", "input {\n  tcp dport 2222 accept\n}\n");
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  EXPECT_TRUE(Called("tcp dport 2222 accept"));
  EXPECT_FALSE(Called("in_eth1")) << "eth1's zone did not change";
  EXPECT_FALSE(Called("detach"));
  EXPECT_FALSE(Called("attach"));
  const auto changes = (*reloaded)["changes"];
  ASSERT_EQ(changes.size(), 1u) << changes.dump();
  EXPECT_NE(changes[0].get<std::string>().find("eth0: zone lan changed"), std::string::npos);
}

TEST_F(DaemonReloadTest, ReorderedPreferenceKeepsTheWorkingActivePort) {
  auto daemon = Start();
  kernel_.ClearCalls();
  std::string swapped = kTwoBridges;
  const std::string order = "{ mac = \"02:00:00:00:01:01\" }, { mac = \"02:00:00:00:01:02\" }";
  swapped.replace(swapped.find(order), order.size(), "{ mac = \"02:00:00:00:01:02\" }, { mac = \"02:00:00:00:01:01\" }");
  WritePolicy(swapped);
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  EXPECT_FALSE(Called("detach"));
}

TEST_F(DaemonReloadTest, PortThePolicyNoLongerAllowsIsReplaced) {
  auto daemon = Start();
  std::string only_b = kTwoBridges;
  only_b.replace(only_b.find("{ mac = \"02:00:00:00:01:01\" }, "), 30, "");
  only_b.replace(only_b.find("zone = \"lan\""), 12, "zone = \"lan\"\nspares = false");
  WritePolicy(only_b);
  auto reloaded = daemon->Reload();
  ASSERT_TRUE(reloaded) << reloaded.message();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
}

TEST_F(DaemonReloadTest, ChangedAddressesAreSwapped) {
  auto daemon = Start();
  kernel_.ClearCalls();
  std::string moved = kTwoBridges;
  moved.replace(moved.find("192.0.2.9/24"), 12, "192.0.2.10/24");
  WritePolicy(moved);
  ASSERT_TRUE(daemon->Reload());
  const int eth0 = kernel_.FindByName("eth0")->ifindex;
  EXPECT_EQ(kernel_.addresses[eth0], std::vector<std::string>{"192.0.2.10/24"});
  EXPECT_TRUE(Called("unaddress eth0 192.0.2.9/24"));
  EXPECT_FALSE(Called("detach"));
}

TEST_F(DaemonReloadTest, ApplyWithConfirmRollsBackWhenNotConfirmed) {
  auto daemon = Start();
  const std::string original = *ReadWholeFile(policy_path_);
  const std::string next = temp_.path() + "/next.toml";
  WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n", next);
  auto applied = daemon->ApplyFile(next, 30);
  ASSERT_TRUE(applied) << applied.message();
  ASSERT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_FALSE(daemon->StatusJson()["pending_apply"].is_null());
  EXPECT_EQ(*ReadWholeFile(policy_path_), *ReadWholeFile(next)) << "the policy file is the applied one";
  EXPECT_FALSE(daemon->ApplyFile(next, 30)) << "one pending apply at a time";

  clock_.Advance(Millis(29000));
  loop_.RunDueTimers();
  ASSERT_NE(kernel_.FindByName("br-vm"), nullptr) << "not yet";
  clock_.Advance(Millis(1000));
  loop_.RunDueTimers();
  EXPECT_EQ(kernel_.FindByName("br-vm"), nullptr) << "rolled back";
  EXPECT_EQ(*ReadWholeFile(policy_path_), original);
  EXPECT_TRUE(daemon->StatusJson()["pending_apply"].is_null());
  EXPECT_FALSE(daemon->Confirm()) << "nothing left to confirm";
}

TEST_F(DaemonReloadTest, ConfirmedApplyStays) {
  auto daemon = Start();
  const std::string next = temp_.path() + "/next.toml";
  WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n", next);
  ASSERT_TRUE(daemon->ApplyFile(next, 30));
  ASSERT_TRUE(daemon->Confirm());
  clock_.Advance(Millis(60000));
  loop_.RunDueTimers();
  EXPECT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_EQ(*ReadWholeFile(policy_path_), *ReadWholeFile(next));
}

TEST_F(DaemonReloadTest, OneConfirmConfirmsThePendingApplyAndIsolates) {
  auto daemon = Start();
  const std::string next = temp_.path() + "/next.toml";
  WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n", next);
  ASSERT_TRUE(daemon->ApplyFile(next, 30));
  core::IsolateRequest window;
  window.confirm_seconds = 30;
  ASSERT_TRUE(daemon->Isolate("eth1", window));
  auto confirmed = daemon->Confirm();
  ASSERT_TRUE(confirmed) << confirmed.message();
  EXPECT_EQ(*confirmed, "apply of " + next + " confirmed; isolation of eth1 confirmed: it stays isolated until "
                        "`failoverctl restore eth1`");
  clock_.Advance(Millis(60000));
  loop_.RunDueTimers();
  EXPECT_NE(kernel_.FindByName("br-vm"), nullptr);
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
  EXPECT_FALSE(daemon->Confirm());
}

TEST_F(DaemonReloadTest, RestartInsideTheConfirmWindowRollsBack) {
  const std::string original = *ReadWholeFile(policy_path_);
  {
    auto daemon = Start();
    const std::string next = temp_.path() + "/next.toml";
    WritePolicy(std::string(kTwoBridges) + "[[bridge]]\nname = \"br-vm\"\nzone = \"lan\"\nmode = \"internal\"\n", next);
    ASSERT_TRUE(daemon->ApplyFile(next, 120));
    ASSERT_NE(kernel_.FindByName("br-vm"), nullptr);
  }  // "killed" inside the window
  // What main does: parse the (applied) file, undo the unconfirmed apply, then run.
  const auto parsed = policy::ParsePolicyFile(policy_path_);
  ASSERT_TRUE(parsed.policy);
  EXPECT_EQ(parsed.policy->bridges.size(), 3u);
  const StartupRollback start = UndoUnconfirmedApply(policy_path_, *parsed.policy);
  EXPECT_NE(start.message.find("rolled back at start"), std::string::npos) << start.message;
  EXPECT_EQ(start.policy.bridges.size(), 2u);
  EXPECT_EQ(*ReadWholeFile(policy_path_), original);
  ASSERT_TRUE(start.recorded.has_value());
  auto daemon = std::make_unique<Daemon>(start.policy, "machine", clock_, loop_, kernel_, firewall_);
  daemon->SetStartupRollback(start);
  ASSERT_TRUE(daemon->Start());
  EXPECT_EQ(kernel_.FindByName("br-vm"), nullptr) << "a bridge only the unconfirmed policy had is deleted";
  EXPECT_TRUE(UndoUnconfirmedApply(policy_path_, start.policy).message.empty()) << "nothing pending any more";
}

TEST_F(DaemonReloadTest, ConfirmedApplyMayNotMoveTheStateDirectory) {
  auto daemon = Start();
  const std::string next = temp_.path() + "/moved.toml";
  std::string text = PolicyText(temp_.path() + "/elsewhere", zones_dir_, kTwoBridges);
  ASSERT_TRUE(WriteFileAtomically(next, text));
  auto applied = daemon->ApplyFile(next, 30);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.message().find("state_dir"), std::string::npos) << applied.message();
}

TEST_F(DaemonReloadTest, ApplyOfAnInvalidFileChangesNothing) {
  auto daemon = Start();
  const std::string original = *ReadWholeFile(policy_path_);
  const std::string next = temp_.path() + "/bad.toml";
  ASSERT_TRUE(WriteFileAtomically(next, "[[bridge]]\nname = 7\n"));
  auto applied = daemon->ApplyFile(next, 0);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.message().find(next + ":"), std::string::npos) << applied.message();
  EXPECT_EQ(*ReadWholeFile(policy_path_), original);
  EXPECT_FALSE(daemon->ApplyFile(temp_.path() + "/missing.toml", 0));
}

}  // namespace
}  // namespace failoverd
