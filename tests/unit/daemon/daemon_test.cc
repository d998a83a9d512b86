// The daemon driven end to end with a fake kernel, a fake firewall and a fake
// clock: startup, naming, bridges born with their zone, failover, adoption.
#include "failoverd/daemon/daemon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;
using testing::kMacA;
using testing::kMacB;

constexpr const char* kMacWan = "02:00:00:00:02:01";

class DaemonTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
  }

  policy::Policy Policy() {
    auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24"),
                              ActiveBackup("eth1", {kMacWan}, "198.51.100.9/24")});
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  std::unique_ptr<Daemon> Start(const policy::Policy& policy) {
    auto daemon = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }
  // Simulates the kernel's netlink notification for a carrier change.
  void Carrier(Daemon& daemon, int ifindex, bool carrier) {
    kernel_.SetCarrier(ifindex, carrier);
    daemon.Resync();
  }

};

TEST_F(DaemonTest, StartNamesNicsCreatesBridgesAndAttachesFirstPreferred) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  const int w = kernel_.AddNic("ens3", kMacWan);
  auto daemon = Start(Policy());

  EXPECT_EQ(kernel_.link(a).name, "hweth0");
  EXPECT_EQ(kernel_.link(b).name, "hweth1");
  EXPECT_EQ(kernel_.link(w).name, "hweth2");
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w});
  EXPECT_TRUE(kernel_.link(b).admin_up) << "a standby is up to sense carrier";
  EXPECT_EQ(kernel_.link(b).master, 0);
  EXPECT_EQ(kernel_.addresses[kernel_.FindByName("eth0")->ifindex], std::vector<std::string>{"192.0.2.9/24"});
  EXPECT_EQ(kernel_.prepared.size(), 3u);

  // The zero phase came first, before any kernel change.
  ASSERT_FALSE(kernel_.calls().empty());
  EXPECT_NE(kernel_.calls().front().find("firewall"), std::string::npos);
  EXPECT_NE(kernel_.calls().front().find("delete table inet failoverd"), std::string::npos);

  std::ifstream state(state_dir_ + "/state.json");
  std::string text((std::istreambuf_iterator<char>(state)), {});
  EXPECT_NE(text.find("\"02:00:00:00:01:01\""), std::string::npos);
  EXPECT_NE(text.find("\"hweth0\""), std::string::npos);

  const auto status = daemon->StatusJson();
  EXPECT_EQ(status["bridges"][0]["active"], "hweth0");
  EXPECT_EQ(status["bridges"][0]["state"], "up");
  EXPECT_EQ(status["firewall"]["zero_phase"], true);
}

TEST_F(DaemonTest, EachBridgeZoneIsInstalledBeforeTheBridgeGoesUp) {
  kernel_.AddNic("ens1", kMacA);
  kernel_.AddNic("ens3", kMacWan);
  auto daemon = Start(Policy());
  for (const std::string bridge : {"eth0", "eth1"}) {
    const size_t created = IndexOf("bridge " + bridge);
    const size_t zone = IndexOf("in_" + bridge);
    const size_t up = IndexOf("up " + bridge);
    EXPECT_LT(created, zone) << bridge;
    EXPECT_LT(zone, up) << bridge;
  }
}

TEST_F(DaemonTest, NewBridgesZonesGoInOneTransaction) {
  kernel_.AddNic("ens1", kMacA);
  kernel_.AddNic("ens3", kMacWan);
  auto daemon = Start(Policy());
  size_t with_eth0 = 0;
  size_t with_both = 0;
  for (const auto& script : firewall_.scripts) {
    const bool eth0 = script.find("add chain inet failoverd in_eth0\n") != std::string::npos;
    const bool eth1 = script.find("add chain inet failoverd in_eth1\n") != std::string::npos;
    with_eth0 += eth0;
    with_both += eth0 && eth1;
  }
  EXPECT_EQ(with_eth0, 1u);
  EXPECT_EQ(with_both, 1u);
  EXPECT_EQ(daemon->StatusJson()["bridges"][1]["state"], "up");
}

TEST_F(DaemonTest, GatewayIsAddedOnceTheBridgeIsUp) {
  // The kernel refuses a gateway on a down bridge (no subnet route yet): up comes first.
  const int a = kernel_.AddNic("ens1", kMacA);
  auto policy = Policy();
  policy.bridges[0].gateway = IpAddress::Parse("192.0.2.1");
  auto daemon = Start(policy);
  EXPECT_LT(IndexOf("in_eth0"), IndexOf("up eth0"));
  EXPECT_LT(IndexOf("up eth0"), IndexOf("route eth0 via 192.0.2.1"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});
  EXPECT_EQ(daemon->StatusJson()["bridges"][0]["state"], "up");
}

TEST_F(DaemonTest, ZoneFailureKeepsThatBridgeDownAndOthersWork) {
  kernel_.AddNic("ens1", kMacA);
  const int w = kernel_.AddNic("ens3", kMacWan);
  firewall_.RefuseScriptsContaining("in_eth0");
  auto daemon = Start(Policy());
  EXPECT_FALSE(kernel_.FindByName("eth0")->admin_up);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  EXPECT_TRUE(kernel_.FindByName("eth1")->admin_up);
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w});
  const auto status = daemon->StatusJson();
  EXPECT_EQ(status["bridges"][0]["state"], "error");
  EXPECT_NE(status["bridges"][0]["error"].get<std::string>().find("injected refusal"), std::string::npos);
}

TEST_F(DaemonTest, CarrierLossFailsOverAtOnceAndAnnounces) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  auto daemon = Start(Policy());
  kernel_.ClearCalls();

  Carrier(*daemon, a, false);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b});
  // Detach strictly before attach: never two ports, then announce out of the new port.
  const auto& calls = kernel_.calls();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[0], "detach hweth0");
  EXPECT_EQ(calls[1], "attach hweth1 eth0");
  EXPECT_EQ(calls[2], "announce hweth1 eth0");
  EXPECT_EQ(daemon->StatusJson()["bridges"][0]["active"], "hweth1");

  // failback = never: A coming back does not take the job.
  Carrier(*daemon, a, true);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b});

  EXPECT_EQ(daemon->metrics().failovers.at("eth0"), 1u);
  EXPECT_EQ(daemon->metrics().failovers.count("eth1"), 0u);
  EXPECT_EQ(daemon->metrics().carrier_changes.at("hweth0"), 2u);
  const std::string text = daemon->MetricsText();
  EXPECT_NE(text.find("failoverd_failovers_total{bridge=\"eth0\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("failoverd_nic_carrier{nic=\"hweth0\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE failoverd_last_failover_duration_seconds gauge\n"), std::string::npos) << text;

  bool logged = false;
  for (const auto& event : daemon->events().events())
    logged = logged || event.message.find("hweth1: standby -> active of eth0 (hweth0 lost carrier") == 0;
  EXPECT_TRUE(logged) << "the role change is logged with its reason";
}

TEST_F(DaemonTest, HoldDownDebouncesThroughTheTimer) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  auto policy = Policy();
  policy.daemon.hold_down_ms = 500;
  auto daemon = Start(policy);
  Carrier(*daemon, a, false);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a}) << "still within hold-down";
  clock_.Advance(Millis(200));
  Carrier(*daemon, a, true);  // a short blip
  clock_.Advance(Millis(400));
  daemon->Reconcile();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a}) << "the blip never reached hold-down";
  Carrier(*daemon, a, false);
  clock_.Advance(Millis(500));
  daemon->Reconcile();  // what the wake-up timer does
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b});
}

TEST_F(DaemonTest, FailedReReadIsRetriedWithoutWaitingForAnotherEvent) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  auto daemon = Start(Policy());
  kernel_.SetCarrier(a, false);
  kernel_.FailNext("dump");  // a storm made the dump inconsistent
  daemon->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a}) << "nothing decided on a failed dump";
  clock_.Advance(Millis(50));
  loop_.RunDueTimers();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b}) << "the retry re-read the links and failed over";
}

TEST_F(DaemonTest, OnlyManagedNicsAreCountedInCarrierMetrics) {
  const int a = kernel_.AddNic("ens1", kMacA);
  kernel_.AddNic("ens2", kMacB);
  auto daemon = Start(Policy());
  core::BridgeSpec spec;
  spec.name = "virbr0";
  auto other = kernel_.CreateBridge(spec);
  ASSERT_TRUE(other);
  int tap = kernel_.AddNic("tap0", "02:00:00:00:09:09");
  kernel_.link(tap).kind = "tun";  // not a managed NIC under this policy (kind:veth)
  daemon->Resync();
  kernel_.SetCarrier(tap, false);
  kernel_.SetCarrier(a, false);
  daemon->Resync();
  EXPECT_EQ(daemon->metrics().carrier_changes.count("tap0"), 0u);
  EXPECT_EQ(daemon->metrics().carrier_changes.count("hweth0"), 1u);
}

TEST_F(DaemonTest, RestartAdoptsEverythingWithoutAnyChange) {
  kernel_.AddNic("ens1", kMacA);
  kernel_.AddNic("ens2", kMacB);
  kernel_.AddNic("ens3", kMacWan);
  Start(Policy()).reset();  // first run, then "stop": everything stays
  kernel_.ClearCalls();
  auto daemon = Start(Policy());
  ASSERT_EQ(kernel_.calls().size(), 1u) << "only the zero-phase transaction: " << kernel_.calls().back();
  EXPECT_NE(kernel_.calls()[0].find("in_eth0"), std::string::npos) << "adopted zones kept in the same transaction";
  EXPECT_NE(kernel_.calls()[0].find("in_eth1"), std::string::npos);
}

TEST_F(DaemonTest, NicNamedLikeABridgeIsRenamedBeforeTheBridgeIsCreated) {
  const int nic = kernel_.AddNic("eth0", kMacA);
  auto daemon = Start(Policy());
  EXPECT_EQ(kernel_.link(nic).name, "hweth0");
  ASSERT_NE(kernel_.FindByName("eth0"), nullptr);
  EXPECT_TRUE(kernel_.FindByName("eth0")->is_bridge());
  EXPECT_LT(IndexOf("rename " + std::to_string(nic) + " hweth0"), IndexOf("bridge eth0"));
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{nic});
}

TEST_F(DaemonTest, ANicThatIsUpIsTakenDownBeforeItsRenameAndOneThatIsDownIsNot) {
  const int up = kernel_.AddNic("ens1", kMacA);
  const int down = kernel_.AddNic("ens2", kMacB);
  kernel_.link(up).admin_up = true;
  kernel_.link(down).admin_up = false;
  auto daemon = Start(Policy());
  EXPECT_LT(IndexOf("down ens1"), IndexOf("rename " + std::to_string(up) + " hweth0"));
  EXPECT_FALSE(Called("down ens2")) << "a new NIC is down already";
  EXPECT_EQ(kernel_.link(down).name, "hweth1");
}

TEST_F(DaemonTest, EveryStepOfAPlanIsAProgressBeat) {
  kernel_.AddNic("ens1", kMacA);
  kernel_.AddNic("ens2", kMacB);
  auto daemon = std::make_unique<Daemon>(Policy(), "machine", clock_, loop_, kernel_, firewall_);
  std::vector<size_t> calls_at_beat;
  daemon->SetProgressBeat([&] { calls_at_beat.push_back(kernel_.calls().size()); });
  ASSERT_TRUE(daemon->Start());
  // Renames, NIC preparation, bridges, zones, addresses, attaches: one beat before each
  // step, the first before the plan's first kernel call, the last before its last.
  ASSERT_GE(calls_at_beat.size(), 10u);
  EXPECT_EQ(calls_at_beat.front(), IndexOf("rename")) << "the first step's beat comes before its call";
  EXPECT_LT(calls_at_beat.back(), kernel_.calls().size());
  const size_t before = calls_at_beat.size();
  daemon->Resync();  // nothing to do: no plan, no beat
  EXPECT_EQ(calls_at_beat.size(), before);
}

TEST_F(DaemonTest, NamesPersistAcrossRestartsWhateverTheKernelCalledThem) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  Start(Policy()).reset();
  // Reboot: the kernel names them the other way round.
  for (int ifindex : {a, b}) {
    kernel_.link(ifindex).admin_up = false;
    kernel_.link(ifindex).master = 0;
  }
  kernel_.link(a).name = "tmpa";
  kernel_.link(b).name = "hweth0";
  kernel_.link(a).name = "hweth1";
  auto daemon = Start(Policy());
  EXPECT_EQ(kernel_.link(a).name, "hweth0");
  EXPECT_EQ(kernel_.link(b).name, "hweth1");
}

TEST_F(DaemonTest, FailedAttachIsRetriedAndReported) {
  const int a = kernel_.AddNic("ens1", kMacA);
  kernel_.FailNext("master");
  auto daemon = Start(Policy());
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  bool reported = false;
  for (const auto& event : daemon->events().events())
    reported = reported || (event.kind == "error" && event.message.find("attach failed") != std::string::npos);
  EXPECT_TRUE(reported);
  daemon->Resync();  // what the retry timer does
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});
}

TEST_F(DaemonTest, RemovedActiveNicIsReplaced) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int b = kernel_.AddNic("ens2", kMacB);
  auto daemon = Start(Policy());
  kernel_.RemoveLink(a);
  daemon->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b});
}

TEST_F(DaemonTest, HotPluggedNicIsNamedAndServes) {
  auto daemon = Start(Policy());
  EXPECT_EQ(daemon->StatusJson()["bridges"][0]["active"], nullptr);
  const int a = kernel_.AddNic("ens9", kMacA);
  daemon->Resync();
  EXPECT_EQ(kernel_.link(a).name, "hweth0");
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});
}

}  // namespace
}  // namespace failoverd
