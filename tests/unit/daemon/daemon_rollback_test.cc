// The rollback of an unconfirmed `apply --confirm` with a fake kernel: it returns
// to exactly the state recorded at the apply — the active port the previous policy
// had (although the usual rules would keep the working one), the zone rules as
// installed then (although the zone file was edited), addresses, default routes,
// bridges — at the deadline and at the next start after a kill, and reports how it
// compares with the record.
#include <gtest/gtest.h>

#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"
#include "policy/policy_parser.h"

namespace failoverd {
namespace {

using failoverd::testing::kMacA;
using failoverd::testing::kMacB;

// Policy A: eth0 (lan, ports [A, B], failback never, an address and a gateway) and
// eth1 (external, port W).
const char* kPolicyA = R"(
[[bridge]]
name = "eth0"
zone = "lan"
address = ["192.0.2.9/24"]
gateway = "192.0.2.1"
ports = [ { mac = "02:00:00:00:01:01" }, { mac = "02:00:00:00:01:02" } ]
[[bridge]]
name = "eth1"
zone = "external"
address = ["198.51.100.9/24"]
ports = [ { mac = "02:00:00:00:02:01" } ]
)";

// Policy B changes a lot: eth0 in another zone, ports reversed with failback to the
// first preferred (so B becomes active), another address and gateway; eth1 gone;
// a new internal bridge eth2.
const char* kPolicyB = R"(
[[bridge]]
name = "eth0"
zone = "external"
address = ["192.0.2.9/24", "192.0.2.19/24"]
gateway = "192.0.2.254"
failback = "preferred"
ports = [ { mac = "02:00:00:00:01:02" }, { mac = "02:00:00:00:01:01" } ]
[[bridge]]
name = "eth2"
mode = "internal"
zone = "lan"
address = ["203.0.113.1/24"]
)";

class DaemonRollbackTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    a_ = kernel_.AddNic("ens1", kMacA);
    b_ = kernel_.AddNic("ens2", kMacB);
    w_ = kernel_.AddNic("ens3", "02:00:00:00:02:01");
    zones_dir_ = temp_.path() + "/zones";
    std::filesystem::create_directories(zones_dir_);
    WriteZone("lan", "input {\n  tcp dport 22 accept\n}\n");
    WriteZone("external", "input {\n  icmp type echo-request accept\n}\n");
    policy_path_ = temp_.path() + "/policy.toml";
    next_path_ = temp_.path() + "/next.toml";
    WritePolicy(policy_path_, kPolicyA);
    WritePolicy(next_path_, kPolicyB);
  }
  void WriteZone(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(zones_dir_ + "/" + name + ".nft", text));
  }
  void WritePolicy(const std::string& path, const std::string& bridges) {
    ASSERT_TRUE(WriteFileAtomically(path, "[daemon]\nstate_dir = \"" + temp_.path() + "\"\nzones_dir = \"" +
                                              zones_dir_ + "\"\nudev_source = \"kernel\"\n[nics]\ninclude = [\"kind:veth\"]\n" +
                                              bridges));
  }
  std::unique_ptr<Daemon> Start(const StartupRollback* rollback = nullptr) {
    const auto parsed = policy::ParsePolicyFile(policy_path_);
    EXPECT_TRUE(parsed.policy) << (parsed.errors.empty() ? "" : parsed.errors[0].ToString());
    auto daemon = std::make_unique<Daemon>(rollback ? rollback->policy : *parsed.policy, "machine", clock_, loop_,
                                           kernel_, firewall_);
    daemon->SetPolicyPath(policy_path_);
    if (rollback) daemon->SetStartupRollback(*rollback);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }
  // The last script that filled eth0's input chain.
  std::string LastEth0Zone() const {
    for (auto it = firewall_.scripts.rbegin(); it != firewall_.scripts.rend(); ++it)
      if (it->find("flush chain inet failoverd in_eth0") != std::string::npos) return *it;
    return "";
  }
  int Eth0() const { return kernel_.FindByName("eth0")->ifindex; }
  // The last event whose message contains `needle`, "" if none.
  static std::string EventWith(Daemon& daemon, const std::string& needle) {
    const auto& events = daemon.events().events();
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->message.find(needle) != std::string::npos) return it->message;
    return "";
  }
  void LetTheWindowPass() {
    clock_.Advance(Millis(30000));
    loop_.RunDueTimers();
  }

  std::string zones_dir_, policy_path_, next_path_;
  int a_ = 0, b_ = 0, w_ = 0;
};

TEST_F(DaemonRollbackTest, RollbackReturnsToExactlyTheRecordedState) {
  auto daemon = Start();
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  const std::vector<std::string> addresses = kernel_.addresses[Eth0()];
  const std::vector<std::string> gateways = kernel_.GatewaysOf(Eth0());
  ASSERT_EQ(gateways, std::vector<std::string>{"192.0.2.1"});

  ASSERT_TRUE(daemon->ApplyFile(next_path_, 30));
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_}) << "B is active under the unconfirmed policy";
  ASSERT_EQ(kernel_.FindByName("eth1"), nullptr);
  ASSERT_NE(kernel_.FindByName("eth2"), nullptr);
  ASSERT_EQ(kernel_.GatewaysOf(Eth0()), std::vector<std::string>{"192.0.2.254"});
  ASSERT_NE(LastEth0Zone().find("echo-request"), std::string::npos);

  LetTheWindowPass();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_}) << "A put back although B works and failback is never";
  ASSERT_NE(kernel_.FindByName("eth1"), nullptr);
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w_});
  EXPECT_EQ(kernel_.FindByName("eth2"), nullptr);
  EXPECT_EQ(kernel_.addresses[Eth0()], addresses);
  EXPECT_EQ(kernel_.GatewaysOf(Eth0()), gateways);
  EXPECT_NE(LastEth0Zone().find("tcp dport 22 accept"), std::string::npos);
  const std::string report = EventWith(*daemon, "rollback complete in");
  EXPECT_NE(report.find("state identical to the one recorded at apply"), std::string::npos) << report;
  const auto status = daemon->StatusJson();
  EXPECT_TRUE(status["pending_apply"].is_null());
  EXPECT_EQ(status["last_rollback"]["identical"], true) << status["last_rollback"].dump();
  EXPECT_NE(daemon->MetricsText().find("failoverd_last_rollback_duration_seconds"), std::string::npos);

  // The hint was one-shot: afterwards the usual rules hold A where it is.
  daemon->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonRollbackTest, RollbackInstallsTheRecordedZoneRulesNotTheEditedFile) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->ApplyFile(next_path_, 30));
  WriteZone("lan", "input {\n  tcp dport 2222 accept\n}\n");  // edited inside the window
  LetTheWindowPass();
  const std::string zone = LastEth0Zone();
  EXPECT_NE(zone.find("tcp dport 22 accept"), std::string::npos) << zone;
  EXPECT_EQ(zone.find("2222"), std::string::npos) << zone;
  EXPECT_NE(EventWith(*daemon, "rollback complete").find("state identical"), std::string::npos);
  // A later reload reads the zone files again.
  ASSERT_TRUE(daemon->Reload());
  EXPECT_NE(LastEth0Zone().find("tcp dport 2222 accept"), std::string::npos);
}

TEST_F(DaemonRollbackTest, DifferencesTheRollbackCannotUndoAreReported) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->ApplyFile(next_path_, 30));
  kernel_.SetCarrier(a_, false);  // the recorded active port cannot be put back
  daemon->Resync();
  LetTheWindowPass();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  const std::string report = EventWith(*daemon, "rollback complete in");
  EXPECT_NE(report.find("difference(s) from the state recorded at apply"), std::string::npos) << report;
  EXPECT_NE(report.find("eth0: active port hweth1 (02:00:00:00:01:02), recorded hweth0 (02:00:00:00:01:01)"),
            std::string::npos)
      << report;
  EXPECT_EQ(daemon->StatusJson()["last_rollback"]["identical"], false);
}

TEST_F(DaemonRollbackTest, ConfirmedApplyStaysAndRecordsNoRollback) {
  auto daemon = Start();
  ASSERT_TRUE(daemon->ApplyFile(next_path_, 30));
  ASSERT_TRUE(daemon->Confirm());
  LetTheWindowPass();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_NE(kernel_.FindByName("eth2"), nullptr);
  EXPECT_TRUE(daemon->StatusJson()["last_rollback"].is_null());
}

TEST_F(DaemonRollbackTest, ApplyIsRefusedWhenTheStateCannotBeRecorded) {
  auto daemon = Start();
  const std::string before = *ReadWholeFile(policy_path_);
  kernel_.FailNext("read-l3");
  auto applied = daemon->ApplyFile(next_path_, 30);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.message().find("cannot record the state"), std::string::npos) << applied.message();
  EXPECT_EQ(*ReadWholeFile(policy_path_), before);
  EXPECT_EQ(kernel_.FindByName("eth2"), nullptr);
  EXPECT_TRUE(daemon->StatusJson()["pending_apply"].is_null());
}

TEST_F(DaemonRollbackTest, KilledInsideTheWindowTheNextStartRestoresExactly) {
  {
    auto daemon = Start();
    ASSERT_TRUE(daemon->ApplyFile(next_path_, 120));
    ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  }  // "killed" inside the window
  WriteZone("lan", "input {\n  tcp dport 2222 accept\n}\n");
  const auto parsed = policy::ParsePolicyFile(policy_path_);
  ASSERT_TRUE(parsed.policy);
  const StartupRollback start = UndoUnconfirmedApply(policy_path_, *parsed.policy);
  ASSERT_TRUE(start.recorded.has_value()) << start.message;
  EXPECT_EQ(start.file, next_path_);
  EXPECT_EQ(start.recorded->Zones().at("eth0").input_rules, std::vector<std::string>{"tcp dport 22 accept"});
  // What B added to eth0, which A keeps, goes at the start.
  EXPECT_EQ(start.stale_addresses.at("eth0"), std::vector<IpPrefix>{*IpPrefix::Parse("192.0.2.19/24")});
  EXPECT_EQ(start.stale_gateways.at("eth0"), *IpAddress::Parse("192.0.2.254"));

  firewall_.scripts.clear();
  auto daemon = Start(&start);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  EXPECT_EQ(kernel_.FindByName("eth2"), nullptr);
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w_});
  EXPECT_EQ(kernel_.GatewaysOf(Eth0()), std::vector<std::string>{"192.0.2.1"});
  // eth0 existed at the start: its recorded rules go in with the zero phase.
  ASSERT_FALSE(firewall_.scripts.empty());
  EXPECT_NE(firewall_.scripts.front().find("in_eth0 tcp dport 22 accept"), std::string::npos) << firewall_.scripts.front();
  EXPECT_EQ(LastEth0Zone().find("2222"), std::string::npos);
  const std::string report = EventWith(*daemon, "rollback complete in");
  EXPECT_NE(report.find("state identical to the one recorded at apply"), std::string::npos) << report;
  EXPECT_TRUE(UndoUnconfirmedApply(policy_path_, start.policy).message.empty()) << "nothing pending any more";
}

TEST_F(DaemonRollbackTest, CrashDuringTheStartupRestoreRestoresAgain) {
  {
    auto daemon = Start();
    ASSERT_TRUE(daemon->ApplyFile(next_path_, 120));
  }
  const auto parsed = policy::ParsePolicyFile(policy_path_);
  ASSERT_TRUE(parsed.policy);
  const StartupRollback first = UndoUnconfirmedApply(policy_path_, *parsed.policy);
  ASSERT_TRUE(first.recorded.has_value());
  // The daemon never got to restore it (killed again): the next start finds it still pending.
  const StartupRollback second = UndoUnconfirmedApply(policy_path_, first.policy);
  ASSERT_TRUE(second.recorded.has_value()) << second.message;
  EXPECT_EQ(second.policy.bridges.size(), 2u);
  EXPECT_EQ(second.stale_gateways.count("eth0"), 1u) << "B's leftovers are read from the record, not the file";
  auto daemon = Start(&second);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
  EXPECT_EQ(kernel_.GatewaysOf(Eth0()), std::vector<std::string>{"192.0.2.1"});
  EXPECT_NE(EventWith(*daemon, "rollback complete").find("state identical"), std::string::npos);
}

TEST_F(DaemonRollbackTest, PendingApplyWithoutARecordedStateRestoresThePolicyAlone) {
  // What a failoverd from before the recorded state left in state.json.
  auto daemon = Start();
  daemon.reset();
  const std::string previous = *ReadWholeFile(policy_path_);
  ASSERT_TRUE(WriteFileAtomically(policy_path_, *ReadWholeFile(next_path_)));
  StateStore state(temp_.path());
  ASSERT_TRUE(state.Load());
  state.SetSection("pending_apply", {{"file", next_path_}, {"deadline", "x"}, {"previous_policy", previous}});
  ASSERT_TRUE(state.Save());
  const auto parsed = policy::ParsePolicyFile(policy_path_);
  ASSERT_TRUE(parsed.policy);
  const StartupRollback start = UndoUnconfirmedApply(policy_path_, *parsed.policy);
  EXPECT_FALSE(start.recorded.has_value());
  EXPECT_NE(start.message.find("rolled back at start"), std::string::npos);
  EXPECT_EQ(start.stale_gateways.at("eth0"), *IpAddress::Parse("192.0.2.254")) << "from the file as found";
  EXPECT_EQ(*ReadWholeFile(policy_path_), previous);
  EXPECT_TRUE(UndoUnconfirmedApply(policy_path_, start.policy).message.empty()) << "cleared at once";
}

}  // namespace
}  // namespace failoverd
