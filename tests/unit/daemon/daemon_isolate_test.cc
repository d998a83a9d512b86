// The guarded isolate against the daemon with a fake kernel: the bridge of the
// default route and the one the caller's session comes in through are refused
// without --confirm or --force; --confirm restores at the deadline unless confirmed,
// also across a restart; other bridges isolate as before.
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

class DaemonIsolateTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    a_ = kernel_.AddNic("ens1", kMacA);
    b_ = kernel_.AddNic("ens2", kMacB);
    w_ = kernel_.AddNic("ens3", kMacWan);
  }
  // eth0 carries the default route (policy gateway 192.0.2.1); eth1 has none.
  policy::Policy Policy() {
    auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24"),
                              ActiveBackup("eth1", {kMacWan}, "198.51.100.9/24")});
    policy.bridges[0].gateway = IpAddress::Parse("192.0.2.1");
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  std::unique_ptr<Daemon> Start(policy::Policy policy) {
    auto daemon = std::make_unique<Daemon>(std::move(policy), "machine", clock_, loop_, kernel_, firewall_);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }
  std::unique_ptr<Daemon> Start() { return Start(Policy()); }
  void Advance(int seconds) {
    clock_.Advance(Millis(seconds * 1000));
    loop_.RunDueTimers();
  }
  nlohmann::json StateFile() {
    std::ifstream in(state_dir_ + "/state.json");
    return nlohmann::json::parse(in);
  }
  static bool HasEvent(Daemon& daemon, const std::string& needle) {
    for (const auto& event : daemon.events().events())
      if (event.message.find(needle) != std::string::npos) return true;
    return false;
  }
  static core::IsolateRequest Session(const char* address) {
    core::IsolateRequest request;
    request.session = IpAddress::Parse(address);
    return request;
  }
  static core::IsolateRequest ConfirmWithin(int seconds) {
    core::IsolateRequest request;
    request.confirm_seconds = seconds;
    return request;
  }

  int a_ = 0, b_ = 0, w_ = 0;
};

TEST_F(DaemonIsolateTest, DefaultRouteBridgeIsRefusedAndNothingChanges) {
  auto daemon = Start();
  ASSERT_EQ(kernel_.default_routes.size(), 1u) << "the daemon added eth0's default route";
  auto refused = daemon->Isolate("eth0");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.message(),
            "refused: eth0 carries the default route (via 192.0.2.1); isolating it could cut this host off. "
            "Use `failoverctl isolate --confirm SECONDS eth0` (restored unless `failoverctl confirm` within "
            "SECONDS) or `failoverctl isolate --force eth0`");
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  EXPECT_TRUE(daemon->overrides().empty());
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  EXPECT_TRUE(HasEvent(*daemon, "eth0: isolate refused: eth0 carries the default route"));
}

TEST_F(DaemonIsolateTest, DefaultRouteSetBySomeoneElseIsGuardedToo) {
  auto daemon = Start();
  const int eth1 = kernel_.FindByName("eth1")->ifindex;
  kernel_.default_routes.push_back({eth1, IpAddress::Parse("198.51.100.254")});
  auto refused = daemon->Isolate("eth1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("eth1 carries the default route (via 198.51.100.254)"), std::string::npos)
      << refused.message();
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w_});
}

TEST_F(DaemonIsolateTest, GatewayOfThePolicyIsGuardedEvenWhenTheRouteIsGone) {
  auto daemon = Start();
  kernel_.default_routes.clear();  // someone deleted it
  auto refused = daemon->Isolate("eth0");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("the policy gives eth0 the default route (gateway 192.0.2.1)"), std::string::npos)
      << refused.message();
}

TEST_F(DaemonIsolateTest, UnreadableRoutesRefuseRatherThanGuess) {
  auto daemon = Start();
  kernel_.FailNext("routes");
  auto refused = daemon->Isolate("eth1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("cannot tell whether eth1 carries the default route"), std::string::npos)
      << refused.message();
}

TEST_F(DaemonIsolateTest, SessionBridgeIsRefused) {
  auto daemon = Start();
  auto refused = daemon->Isolate("eth1", Session("198.51.100.9"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("your session comes in through eth1 (198.51.100.9 is one of its addresses)"),
            std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("could cut your session off"), std::string::npos) << refused.message();
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w_});

  // An address the kernel has and the policy does not (DHCP, added by hand) counts too.
  const int eth1 = kernel_.FindByName("eth1")->ifindex;
  kernel_.addresses[eth1].push_back("203.0.113.7/24");
  EXPECT_FALSE(daemon->Isolate("eth1", Session("203.0.113.7")));

  // A session through another bridge does not guard eth1.
  auto isolated = daemon->Isolate("eth1", Session("192.0.2.9"));
  ASSERT_TRUE(isolated) << isolated.message();
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
}

TEST_F(DaemonIsolateTest, ForceIsolatesTheGuardedBridgeForGood) {
  auto daemon = Start();
  core::IsolateRequest force;
  force.force = true;
  auto isolated = daemon->Isolate("eth0", force);
  ASSERT_TRUE(isolated) << isolated.message();
  EXPECT_NE(isolated->find("forced although eth0 carries the default route"), std::string::npos) << *isolated;
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  Advance(3600);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty()) << "no deadline";
  EXPECT_FALSE(daemon->Confirm()) << "nothing to confirm";
  ASSERT_TRUE(daemon->Restore("eth0"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonIsolateTest, ConfirmWindowRestoresAtTheDeadline) {
  auto daemon = Start();
  auto isolated = daemon->Isolate("eth0", ConfirmWithin(30));
  ASSERT_TRUE(isolated) << isolated.message();
  EXPECT_NE(isolated->find("unless `failoverctl confirm` within 30 s"), std::string::npos) << *isolated;
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  const nlohmann::json pending = daemon->StatusJson()["pending_isolate"];
  ASSERT_EQ(pending.size(), 1u) << pending.dump();
  EXPECT_EQ(pending[0]["bridge"], "eth0");
  EXPECT_EQ(pending[0]["seconds_left"], 30);
  EXPECT_TRUE(pending[0]["deadline"].is_string());
  nlohmann::json saved = StateFile();  // not const: a missing section reads as null
  ASSERT_TRUE(saved["pending_isolate"].is_array()) << saved.dump();
  EXPECT_EQ(saved["pending_isolate"][0]["bridge"], "eth0");
  EXPECT_EQ(saved["overrides"]["isolated"], nlohmann::json::array({"eth0"}));

  Advance(29);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty()) << "not yet";
  EXPECT_EQ(daemon->StatusJson()["pending_isolate"][0]["seconds_left"], 1);
  Advance(1);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_}) << "restored by itself";
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  EXPECT_EQ(daemon->StatusJson()["isolated"], nlohmann::json::array());
  EXPECT_TRUE(HasEvent(*daemon, "eth0: restored: isolation not confirmed within 30 s"));
  EXPECT_TRUE(StateFile()["pending_isolate"].is_null());
  EXPECT_EQ(StateFile()["overrides"]["isolated"], nlohmann::json::array());
  EXPECT_FALSE(daemon->Confirm()) << "nothing left to confirm";
}

TEST_F(DaemonIsolateTest, ConfirmKeepsItIsolatedUntilRestore) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->Isolate("eth0", ConfirmWithin(30)));
  ASSERT_TRUE(daemon->Isolate("eth1", ConfirmWithin(60)));
  EXPECT_EQ(daemon->StatusJson()["pending_isolate"].size(), 2u);
  auto again = daemon->Isolate("eth0");
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("already isolated (restored at"), std::string::npos) << *again;
  Advance(10);
  auto confirmed = daemon->Confirm();
  ASSERT_TRUE(confirmed) << confirmed.message();
  EXPECT_NE(confirmed->find("isolation of eth0 confirmed"), std::string::npos) << *confirmed;
  EXPECT_NE(confirmed->find("isolation of eth1 confirmed"), std::string::npos) << *confirmed;
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  EXPECT_TRUE(StateFile()["pending_isolate"].is_null());
  Advance(3600);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty()) << "confirmed: stays isolated past the deadline";
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
  EXPECT_TRUE(HasEvent(*daemon, "isolation of eth0 confirmed"));
  ASSERT_TRUE(daemon->Restore("eth0"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonIsolateTest, RestoreInsideTheWindowClearsThePendingIsolate) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->Isolate("eth0", ConfirmWithin(30)));
  auto restored = daemon->Restore("eth0");
  ASSERT_TRUE(restored) << restored.message();
  EXPECT_NE(restored->find("before its confirm deadline"), std::string::npos) << *restored;
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  EXPECT_TRUE(StateFile()["pending_isolate"].is_null());
  EXPECT_FALSE(daemon->Confirm()) << "nothing pending any more";
  // Isolated again for good: the old deadline must not restore it.
  core::IsolateRequest force;
  force.force = true;
  ASSERT_TRUE(daemon->Isolate("eth0", force));
  Advance(60);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  EXPECT_FALSE(HasEvent(*daemon, "not confirmed"));
}

TEST_F(DaemonIsolateTest, RestartInsideTheWindowRestores) {
  {
    auto daemon = Start();
    ASSERT_TRUE(daemon->Isolate("eth0", ConfirmWithin(120)));
    ASSERT_TRUE(kernel_.PortsOf("eth0").empty());
  }  // "killed" inside the window
  auto daemon = Start();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_}) << "restored before the first reconcile";
  EXPECT_TRUE(HasEvent(*daemon, "eth0: restored at start: failoverd stopped before `failoverctl confirm`"));
  EXPECT_TRUE(daemon->overrides().empty());
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  nlohmann::json saved = StateFile();  // not const: a missing section reads as null
  EXPECT_TRUE(saved["pending_isolate"].is_null()) << saved.dump();
  EXPECT_EQ(saved["overrides"]["isolated"], nlohmann::json::array());
  Advance(300);  // the old daemon's timer is gone with it
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonIsolateTest, ForcedIsolateSurvivesARestart) {
  {
    auto daemon = Start();
    core::IsolateRequest force;
    force.force = true;
    ASSERT_TRUE(daemon->Isolate("eth0", force));
  }
  auto daemon = Start();
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty()) << "only a pending isolate is undone at start";
}

TEST_F(DaemonIsolateTest, PlainBridgeIsolatesAsBefore) {
  auto daemon = Start();
  auto isolated = daemon->Isolate("eth1", Session("192.0.2.77"));
  ASSERT_TRUE(isolated) << isolated.message();
  EXPECT_EQ(*isolated, "eth1: isolated by hand (ports detached; addresses, services and firewall untouched) until "
                       "`failoverctl restore eth1`");
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
  EXPECT_TRUE(daemon->StatusJson()["pending_isolate"].empty());
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonIsolateTest, UnreadablePendingSectionIsDroppedAtStart) {
  Start().reset();
  {
    nlohmann::json state = StateFile();
    state["pending_isolate"] = {{"bridge", 7}, "eth9", nlohmann::json::object()};
    std::ofstream(state_dir_ + "/state.json") << state.dump();
  }
  auto daemon = Start();
  EXPECT_TRUE(StateFile()["pending_isolate"].is_null());
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

}  // namespace
}  // namespace failoverd
