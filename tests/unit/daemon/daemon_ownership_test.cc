// Bridges failoverd made carry its mark (the alias "failoverd"); a bridge with a
// policy bridge's name that someone else made is left as it is — MAC, ports,
// firewall — and status says why (issue 16 point 5).
#include <gtest/gtest.h>

#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using failoverd::testing::kMacA;

class OwnershipTest : public testing::DaemonTestBase {
 protected:
  void Start() {
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {kMacA}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
  }
  // A bridge named eth0 with a port, as `ip link add eth0 type bridge` leaves it.
  int AddBridgeNotMarked(const std::string& mac) {
    const int bridge = kernel_.AddNic("eth0", mac);
    kernel_.link(bridge).kind = "bridge";
    kernel_.link(bridge).admin_up = true;
    const int port = kernel_.AddNic("tap9", "02:00:00:00:09:01");
    kernel_.link(port).kind = "tun";  // a VM's tap: not a NIC the policy manages
    kernel_.link(port).driver = "tun";
    kernel_.link(port).master = bridge;
    return bridge;
  }
  std::string LastScript() const { return firewall_.scripts.empty() ? "" : firewall_.scripts.back(); }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(OwnershipTest, ABridgeSomeoneElseMadeKeepsItsMacPortsAndNoZoneAndStatusSaysWhy) {
  kernel_.AddNic("ens1", kMacA);
  const int bridge = AddBridgeNotMarked("02:00:00:00:0e:0e");
  // A NIC the policy manages, but a port of that bridge: it carries that bridge.
  const int managed_port = kernel_.AddNic("ens2", "02:00:00:00:09:02");
  kernel_.link(managed_port).master = bridge;
  Start();
  EXPECT_EQ(kernel_.link(bridge).mac.ToString(), "02:00:00:00:0e:0e");
  EXPECT_EQ(kernel_.link(managed_port).name, "ens2") << "left alone, not renamed";
  EXPECT_EQ(kernel_.link(managed_port).master, bridge);
  EXPECT_NE(daemon_->StatusJson()["left_alone"].dump().find("a port of bridge eth0, which failoverd did not make"),
            std::string::npos)
      << daemon_->StatusJson()["left_alone"].dump();
  EXPECT_FALSE(Called("update eth0")) << "its MAC, STP and mark stay";
  EXPECT_FALSE(Called("attach hweth0 eth0"));
  EXPECT_FALSE(Called("address eth0"));
  EXPECT_EQ(kernel_.link(kernel_.FindByName("tap9")->ifindex).master, bridge) << "its port stays";
  const std::string table = LastScript();
  EXPECT_EQ(table.find("\"eth0\""), std::string::npos) << "neither governed nor zoned:\n" << table;
  const nlohmann::json status = daemon_->StatusJson();
  ASSERT_EQ(status["bridges"][0]["name"], "eth0");
  EXPECT_EQ(status["bridges"][0]["state"], "error");
  EXPECT_NE(status["bridges"][0]["error"].get<std::string>().find("was not made by failoverd"), std::string::npos);
}

TEST_F(OwnershipTest, HandedOverWithTheAliasItIsBroughtToThePolicy) {
  kernel_.AddNic("ens1", kMacA);
  const int bridge = AddBridgeNotMarked("02:00:00:00:0e:0e");
  kernel_.link(bridge).alias = "failoverd";
  Start();
  EXPECT_TRUE(Called("update eth0"));
  EXPECT_NE(kernel_.link(bridge).mac.ToString(), "02:00:00:00:0e:0e") << "the policy's stable MAC";
  EXPECT_TRUE(Called("attach hweth0 eth0"));
  EXPECT_NE(LastScript().find("\"eth0\""), std::string::npos) << "governed and zoned";
}

TEST_F(OwnershipTest, BridgesAnOlderFailoverdMadeAreTakenBackAndMarkedOnce) {
  ASSERT_TRUE(WriteFileAtomically(state_dir_ + "/state.json", R"({"version": 1, "nics": {}, "bridges": ["eth0"]})"));
  kernel_.AddNic("ens1", kMacA);
  const int bridge = AddBridgeNotMarked("02:00:00:00:0e:0e");
  Start();
  EXPECT_EQ(kernel_.link(bridge).alias, "failoverd");
  EXPECT_TRUE(Called("attach hweth0 eth0"));
  const std::string saved = ReadWholeFile(state_dir_ + "/state.json").value();
  EXPECT_NE(saved.find("\"version\": 2"), std::string::npos) << saved;
  EXPECT_EQ(saved.find(StateStore::kMadeBeforeMarks), std::string::npos) << "served: " << saved;
}

TEST_F(OwnershipTest, ABridgeFailoverdCreatesIsMarked) {
  kernel_.AddNic("ens1", kMacA);
  Start();
  ASSERT_NE(kernel_.FindByName("eth0"), nullptr);
  EXPECT_EQ(kernel_.FindByName("eth0")->alias, "failoverd");
}

TEST_F(OwnershipTest, StateJsonListsABridgeBeforeItIsMade) {
  // So that one a crash leaves unmarked (created, not yet marked) is known at the next
  // start as failoverd's (down and without ports: OwnedAtStart).
  kernel_.AddNic("ens1", kMacA);
  std::string listed_when_made;
  kernel_.after_call = [&](const std::string& call) {
    if (!call.starts_with("bridge eth0")) return;
    if (auto text = ReadWholeFile(state_dir_ + "/state.json")) listed_when_made = *text;
  };
  Start();
  EXPECT_NE(listed_when_made.find("\"bridges\": [\n    \"eth0\"\n  ]"), std::string::npos) << listed_when_made;
}

TEST_F(OwnershipTest, ItsOwnBridgeStaysItsOwnWhenSomeoneClearsTheMark) {
  kernel_.AddNic("ens1", kMacA);
  Start();
  const int bridge = kernel_.FindByName("eth0")->ifindex;
  const size_t scripts = firewall_.scripts.size();
  kernel_.link(bridge).alias.clear();  // `ip link set eth0 alias ""`
  daemon_->Resync();
  EXPECT_EQ(kernel_.link(bridge).alias, "failoverd") << "marked again";
  EXPECT_TRUE(Called("update eth0"));
  EXPECT_NE(daemon_->StatusJson()["bridges"][0]["state"], "error");
  // Its zone is never dropped: a repair now writes eth0 governed and zoned.
  for (size_t i = scripts; i < firewall_.scripts.size(); ++i)
    EXPECT_EQ(firewall_.scripts[i].find("delete element inet failoverd governed { \"eth0\" }"), std::string::npos);
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  const std::string table = LastScript();
  EXPECT_NE(table.find("delete table inet failoverd"), std::string::npos) << "repaired: " << table;
  EXPECT_NE(table.find("elements = { \"eth0\" }"), std::string::npos) << table;
  EXPECT_NE(table.find("chain inet failoverd in_eth0"), std::string::npos) << table;
}

}  // namespace
}  // namespace failoverd
