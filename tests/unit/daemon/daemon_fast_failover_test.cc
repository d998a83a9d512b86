// The daemon's fast path with a fake kernel and a fake clock: a reported carrier
// loss of the active port attaches the standby as the very first kernel change,
// before the re-read; a stale report changes nothing; a loss the kernel has not
// reported yet is found by asking in the second after the port's last event; and
// when nothing happens the daemon stops asking.
#include <gtest/gtest.h>

#include "failoverd/daemon/daemon.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;
using testing::kMacA;
using testing::kMacB;

class DaemonFastFailoverTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    a_ = kernel_.AddNic("ens1", kMacA);
    b_ = kernel_.AddNic("ens2", kMacB);
    auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
    ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
    kernel_.ClearCalls();
  }
  // What the runner does with one batch of notifications.
  void Notify(std::vector<core::CarrierNote> notes) {
    daemon_->OnLinkNotifications(notes);
    daemon_->Resync();
  }
  // Lets fake time pass in 1 ms steps, running the timers that fall due.
  void Pass(int ms) {
    for (int i = 0; i < ms; ++i) {
      clock_.Advance(Millis(1));
      loop_.RunDueTimers();
    }
  }

  std::unique_ptr<Daemon> daemon_;
  int a_ = 0, b_ = 0;
};

TEST_F(DaemonFastFailoverTest, ReportedLossAttachesTheStandbyFirst) {
  kernel_.SetCarrier(a_, false);
  daemon_->OnLinkNotifications({{a_, false}});
  // Before any re-read: the one write that makes the standby forward.
  ASSERT_EQ(kernel_.calls().size(), 1u);
  EXPECT_EQ(kernel_.calls()[0], "attach hweth1 eth0");
  EXPECT_EQ(daemon_->metrics().fast_failovers, 1u);

  // The reconcile then detaches the dead port and announces out of the new one.
  daemon_->Resync();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_TRUE(Called("detach hweth0"));
  EXPECT_GT(IndexOf("announce hweth1"), IndexOf("detach hweth0"));
  kernel_.ClearCalls();
  daemon_->Resync();
  EXPECT_FALSE(Called("announce")) << "announced once";
  EXPECT_EQ(daemon_->StatusJson()["bridges"][0]["active"], "hweth1");
  EXPECT_EQ(daemon_->metrics().carrier_changes.at("hweth0"), 1u) << "the loss is counted once";
}

TEST_F(DaemonFastFailoverTest, StaleReportChangesNothing) {
  // The kernel still has carrier (the loss came back in the same burst).
  Notify({{a_, false}});
  EXPECT_TRUE(kernel_.calls().empty());
  EXPECT_EQ(daemon_->metrics().fast_failovers, 0u);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonFastFailoverTest, LossAndReturnInOneBatchIsNoLoss) {
  Notify({{a_, false}, {a_, true}});
  EXPECT_EQ(kernel_.carrier_queries, 0) << "only a batch's last word on a link counts";
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonFastFailoverTest, StandbyLossIsNotAFailover) {
  kernel_.SetCarrier(b_, false);
  Notify({{b_, false}});
  EXPECT_EQ(daemon_->metrics().fast_failovers, 0u);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_});
}

TEST_F(DaemonFastFailoverTest, UnreportedLossAfterAnEventIsFoundByAsking) {
  // An event about any link (here: the standby's carrier came back up) ...
  Notify({{b_, true}});
  Pass(300);
  // ... and 300 ms later the active port loses carrier, which the kernel would
  // report up to a second late: no notification here at all.
  kernel_.SetCarrier(a_, false);
  Pass(1);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_});
  EXPECT_EQ(daemon_->metrics().early_carrier_losses, 1u);
  EXPECT_EQ(daemon_->metrics().fast_failovers, 1u);
  EXPECT_EQ(daemon_->StatusJson()["bridges"][0]["active"], "hweth1");
}

TEST_F(DaemonFastFailoverTest, AskingStopsAfterTheWindow) {
  Notify({{a_, true}});
  Pass(1200);
  const int asked = kernel_.carrier_queries;
  EXPECT_GE(asked, 1000) << "the one active port asked every millisecond for about a second";
  EXPECT_LE(asked, 1100);
  Pass(5000);
  EXPECT_EQ(kernel_.carrier_queries, asked) << "an idle daemon does not poll";
  kernel_.SetCarrier(a_, false);
  Pass(10);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a_}) << "outside the window only a notification tells";
}

TEST_F(DaemonFastFailoverTest, FailedAttachIsLeftToTheReconcile) {
  kernel_.SetCarrier(a_, false);
  kernel_.FailNext("master");
  Notify({{a_, false}});
  EXPECT_EQ(daemon_->metrics().fast_failovers, 0u);
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{b_}) << "the ordinary plan attached it";
}

}  // namespace
}  // namespace failoverd
