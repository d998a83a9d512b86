// FirewallKeeper on its own: when a table is read back, what counts as someone
// else's change, and what is put back.
#include <gtest/gtest.h>

#include "failoverd/daemon/firewall_keeper.h"
#include "fakes/fake_firewall.h"

namespace failoverd {
namespace {

using Kind = FirewallKeeper::Outcome::Kind;

firewall::TableSpec Spec() {
  firewall::TableSpec spec;
  spec.governed = {"eth0"};
  return spec;
}

class FirewallKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keeper_.Apply(firewall::TableScript(Spec())));
    // nftables reports our own commit: read back as the table failoverd wrote.
    EXPECT_EQ(keeper_.Keep(/*foreign=*/false, Spec()).kind, Kind::kIntact);
    applied_ = fake_.scripts.size();
  }

  testing::FakeFirewall fake_;
  FirewallKeeper keeper_{fake_};
  size_t applied_ = 0;
};

TEST_F(FirewallKeeperTest, ReportsOfOurOwnCommitsChangeNothing) {
  EXPECT_EQ(keeper_.Keep(false, Spec()).kind, Kind::kIntact);
  EXPECT_EQ(keeper_.Keep(true, Spec()).kind, Kind::kIntact);  // someone's commit elsewhere
  EXPECT_EQ(fake_.scripts.size(), applied_);
}

TEST_F(FirewallKeeperTest, SomeoneElsesEditIsPutBackWhole) {
  fake_.Tamper("insert rule inet failoverd input accept");
  const auto outcome = keeper_.Keep(true, Spec());
  EXPECT_EQ(outcome.kind, Kind::kRepaired);
  EXPECT_EQ(outcome.what, "changed");
  EXPECT_EQ(fake_.scripts.back(), firewall::TableScript(Spec()));
  EXPECT_EQ(keeper_.Keep(true, Spec()).kind, Kind::kIntact);  // the same report again
}

TEST_F(FirewallKeeperTest, DeletedTableIsPutBack) {
  fake_.Flush();
  const auto outcome = keeper_.Keep(true, Spec());
  EXPECT_EQ(outcome.kind, Kind::kRepaired);
  EXPECT_EQ(outcome.what, "flushed or deleted");
}

TEST_F(FirewallKeeperTest, AnEditReportedOnlyAsOurOwnIsCaughtAtTheNextForeignReport) {
  // A change that arrives mixed with our own commit's report is adopted as written
  // only when nothing foreign was reported; a foreign report later compares again.
  ASSERT_TRUE(keeper_.Apply("add element inet failoverd governed { \"eth1\" }\n"));
  EXPECT_EQ(keeper_.Keep(false, Spec()).kind, Kind::kIntact);
  fake_.Tamper("flush chain inet failoverd in_eth0");
  EXPECT_EQ(keeper_.Keep(true, Spec()).kind, Kind::kRepaired);
}

TEST_F(FirewallKeeperTest, ForeignReportWithOurOwnCommitUnreadPutsTheTableBackAndCountsOnlyAChange) {
  // Our own commit not read back yet, and someone else's in the same batch: the two
  // cannot be told apart, so the table is put back whole.
  ASSERT_TRUE(keeper_.Apply(firewall::TableScript(Spec())));  // same content as before
  const auto same = keeper_.Keep(true, Spec());
  EXPECT_EQ(same.kind, Kind::kIntact) << "putting back an identical table is no repair";
  EXPECT_EQ(fake_.scripts.back(), firewall::TableScript(Spec()));

  ASSERT_TRUE(keeper_.Apply("add element inet failoverd governed { \"eth1\" }\n"));
  fake_.Tamper("insert rule inet failoverd input accept");
  EXPECT_EQ(keeper_.Keep(true, Spec()).kind, Kind::kRepaired);
}

TEST_F(FirewallKeeperTest, FailedRepairIsReported) {
  fake_.Flush();
  fake_.RefuseAll();
  const auto outcome = keeper_.Keep(true, Spec());
  EXPECT_EQ(outcome.kind, Kind::kRepairFailed);
  EXPECT_NE(outcome.error.find("injected refusal"), std::string::npos);
}

TEST_F(FirewallKeeperTest, UnreadableTableIsLeftAlone) {
  fake_.MakeUnreadable(true);
  EXPECT_EQ(keeper_.Keep(true, Spec()).kind, Kind::kUnreadable);
  EXPECT_EQ(fake_.scripts.size(), applied_);
}

}  // namespace
}  // namespace failoverd
