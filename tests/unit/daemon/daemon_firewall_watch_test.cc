// When someone else flushes or replaces table inet failoverd (nftables.service
// loading `flush ruleset`, an administrator's `nft -f`), the daemon puts the zero
// phase and every bridge's zone back in one transaction.
#include <gtest/gtest.h>

#include "failoverd/daemon/daemon.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

class FirewallWatchTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    kernel_.AddNic("ens1", "02:00:00:00:01:01");
    kernel_.AddNic("ens2", "02:00:00:00:02:01");
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {"02:00:00:00:01:01"}, "192.0.2.9/24"),
                                       testing::ActiveBackup("eth1", {"02:00:00:00:02:01"}, "198.51.100.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
  }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(FirewallWatchTest, OwnChangesLeaveNothingToRepair) {
  const size_t scripts = firewall_.scripts.size();
  auto table = firewall_.ReadTable();
  ASSERT_TRUE(table);
  EXPECT_TRUE(table->intact);
  EXPECT_EQ(table->zones, (std::set<std::string>{"eth0", "eth1"}));
  daemon_->CheckFirewall();
  EXPECT_EQ(firewall_.scripts.size(), scripts);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 0u);
}

TEST_F(FirewallWatchTest, FlushedRulesetIsReinstalledWithEveryZoneInOneTransaction) {
  firewall_.Flush();
  daemon_->CheckFirewall();
  auto table = firewall_.ReadTable();
  ASSERT_TRUE(table);
  EXPECT_TRUE(table->intact);
  EXPECT_EQ(table->zones, (std::set<std::string>{"eth0", "eth1"}));
  const std::string& last = firewall_.scripts.back();
  EXPECT_NE(last.find("delete table inet failoverd"), std::string::npos);
  EXPECT_NE(last.find("in_eth0"), std::string::npos) << "the zones come in the same transaction";
  EXPECT_NE(last.find("in_eth1"), std::string::npos);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
  EXPECT_NE(daemon_->MetricsText().find("failoverd_firewall_restores_total 1"), std::string::npos);
}

TEST_F(FirewallWatchTest, StaticZeroPhaseLoadedOverTheDaemonsTableIsRepaired) {
  firewall_.scripts.push_back(firewall::ZeroPhaseScript({}));  // `nft -f zero-phase.nft` by someone
  daemon_->CheckFirewall();
  auto table = firewall_.ReadTable();
  ASSERT_TRUE(table);
  EXPECT_EQ(table->zones, (std::set<std::string>{"eth0", "eth1"}));
}

}  // namespace
}  // namespace failoverd
