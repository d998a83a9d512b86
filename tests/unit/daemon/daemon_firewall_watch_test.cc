// Table inet failoverd is kept exactly as failoverd wrote it: when someone else
// flushes or replaces it (nftables.service loading `flush ruleset`, an
// administrator's `nft -f`), or changes anything inside it (a rule inserted, a zone
// chain flushed, a map element deleted), the daemon puts the whole table back, with
// every zone, in one transaction, and counts it. Its own commits are never "repaired".
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
    // nftables reports the daemon's own commits: the table is read back as written.
    daemon_->CheckFirewall(/*foreign=*/false);
    written_ = firewall_.scripts.size();
  }

  // The last whole-table script the daemon applied after SetUp, or "".
  std::string LastRepair() const {
    for (size_t i = firewall_.scripts.size(); i > written_; --i)
      if (firewall_.scripts[i - 1].find("delete table inet failoverd") != std::string::npos)
        return firewall_.scripts[i - 1];
    return "";
  }

  std::string events_text() const { return daemon_->events().ToJson().dump(); }

  std::unique_ptr<Daemon> daemon_;
  size_t written_ = 0;
};

TEST_F(FirewallWatchTest, OwnChangesLeaveNothingToRepair) {
  daemon_->CheckFirewall(/*foreign=*/false);
  daemon_->CheckFirewall(/*foreign=*/true);  // someone's commit elsewhere: our table is as written
  EXPECT_EQ(firewall_.scripts.size(), written_);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 0u);
}

TEST_F(FirewallWatchTest, FlushedRulesetIsReinstalledWithEveryZoneInOneTransaction) {
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  const std::string repair = LastRepair();
  ASSERT_FALSE(repair.empty());
  EXPECT_NE(repair.find("in_eth0"), std::string::npos) << "the zones come in the same transaction";
  EXPECT_NE(repair.find("in_eth1"), std::string::npos);
  EXPECT_NE(repair.find("elements = { \"eth0\", \"eth1\" }"), std::string::npos) << repair;
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
  EXPECT_NE(daemon_->MetricsText().find("failoverd_firewall_restores_total 1"), std::string::npos);
  EXPECT_NE(events_text().find("table inet failoverd was flushed or deleted by someone else"), std::string::npos);
  // The next report of the same commit finds the table as put back.
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
}

TEST_F(FirewallWatchTest, StaticZeroPhaseLoadedOverTheDaemonsTableIsRepaired) {
  firewall_.scripts.push_back(firewall::ZeroPhaseScript());  // `nft -f zero-phase.nft` by someone
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_NE(LastRepair().find("in_eth1"), std::string::npos);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
}

TEST_F(FirewallWatchTest, AnyEditInsideTheTableIsRepaired) {
  for (const char* edit : {"insert rule inet failoverd input accept", "flush chain inet failoverd in_eth0",
                           "delete element inet failoverd zone_input { \"eth0\" : jump in_eth0 }"}) {
    SCOPED_TRACE(edit);
    const uint64_t before = daemon_->metrics().firewall_restores;
    firewall_.Tamper(edit);
    daemon_->CheckFirewall(/*foreign=*/true);
    EXPECT_EQ(daemon_->metrics().firewall_restores, before + 1);
    EXPECT_EQ(firewall_.ReadFingerprint().value().find("changed by someone else"), std::string::npos);
  }
  EXPECT_NE(events_text().find("table inet failoverd was changed by someone else; put back"), std::string::npos);
}

TEST_F(FirewallWatchTest, UnreadableTableIsNotRepairedBlindly) {
  firewall_.MakeUnreadable(true);
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(firewall_.scripts.size(), written_);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 0u);
}

}  // namespace
}  // namespace failoverd
