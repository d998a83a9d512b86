// After a repair of table inet failoverd, the connections opened to the host while it
// was missing (no mark bit: no zone accepted them) are deleted, so that their next
// packet meets the zone; what the host opened, what is routed through it and what
// goes to interfaces failoverd does not govern is left. Nothing is swept when the
// table was intact or could not be put back.
#include <gtest/gtest.h>

#include <algorithm>

#include "failoverd/daemon/daemon.h"
#include "fakes/daemon_test_base.h"
#include "fakes/fake_conntrack.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

constexpr uint8_t kTcp = 6;
constexpr int kManagementIfindex = 99;  // a NIC failoverd does not govern

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }
core::ConntrackEntry Entry(const char* source, const char* destination, uint32_t mark = 0) {
  return {kTcp, Ip(source), Ip(destination), mark};
}
bool Holds(const std::vector<IpAddress>& addresses, const char* address) {
  return std::find(addresses.begin(), addresses.end(), Ip(address)) != addresses.end();
}

class ConntrackSweepAfterRepairTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    kernel_.AddNic("ens1", "02:00:00:00:01:01");
    kernel_.AddNic("ens2", "02:00:00:00:02:01");
    kernel_.addresses[kManagementIfindex] = {"203.0.113.5/24"};
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {"02:00:00:00:01:01"}, "192.0.2.9/24"),
                                       testing::ActiveBackup("eth1", {"02:00:00:00:02:01"}, "198.51.100.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_, nullptr, &conntrack_);
    ASSERT_TRUE(daemon_->Start());
    daemon_->CheckFirewall(/*foreign=*/false);  // the daemon's own commits, read back
    conntrack_.entries = {
        Entry("192.0.2.1", "192.0.2.9"),                              // opened in the window: swept
        Entry("198.51.100.1", "198.51.100.9"),                        // the same on eth1
        Entry("192.0.2.2", "192.0.2.9", firewall::kAcceptedCtMark),  // accepted by the zone
        Entry("192.0.2.9", "192.0.2.1"),                              // the host opened it
        Entry("192.0.2.1", "198.51.100.7"),                           // forwarded
        Entry("203.0.113.1", "203.0.113.5"),                          // to the management NIC
    };
  }

  std::string events_text() const { return daemon_->events().ToJson().dump(); }

  testing::FakeConntrack conntrack_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ConntrackSweepAfterRepairTest, NothingIsSweptWhileTheTableIsIntact) {
  daemon_->CheckFirewall(/*foreign=*/false);
  daemon_->CheckFirewall(/*foreign=*/true);  // someone's commit elsewhere
  EXPECT_TRUE(conntrack_.scopes.empty());
  EXPECT_EQ(conntrack_.entries.size(), 6u);
  EXPECT_EQ(daemon_->metrics().conntrack_swept, 0u);
  EXPECT_FALSE(daemon_->metrics().last_firewall_repair_seconds.has_value());
}

TEST_F(ConntrackSweepAfterRepairTest, ARepairSweepsWhatNoZoneAcceptedToTheGovernedAddresses) {
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  ASSERT_EQ(conntrack_.scopes.size(), 1u) << "one sweep, after the repair";
  const core::SweepScope& scope = conntrack_.scopes[0];
  EXPECT_EQ(scope.accepted_mark, firewall::kAcceptedCtMark);
  EXPECT_TRUE(Holds(scope.managed, "192.0.2.9"));
  EXPECT_TRUE(Holds(scope.managed, "198.51.100.9"));
  EXPECT_FALSE(Holds(scope.managed, "203.0.113.5")) << "not a governed interface's";
  EXPECT_TRUE(Holds(scope.host, "203.0.113.5"));
  EXPECT_EQ(conntrack_.entries.size(), 4u);
  for (const auto& entry : conntrack_.entries) EXPECT_NE(entry.destination, Ip("198.51.100.9"));
  EXPECT_EQ(daemon_->metrics().conntrack_swept, 2u);
  const std::string metrics = daemon_->MetricsText();
  EXPECT_NE(metrics.find("failoverd_conntrack_swept_total 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("failoverd_last_firewall_repair_window_seconds 0.000000\n"), std::string::npos) << metrics;
  EXPECT_NE(events_text().find("removed 2 connection-tracking entries"), std::string::npos) << events_text();
  EXPECT_NE(events_text().find("1 forwarded connection(s) without the mark left in place"), std::string::npos);
  EXPECT_NE(events_text().find("ms after the change was noticed"), std::string::npos);
  // The same commit reported again finds the table as put back: no second sweep.
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(conntrack_.scopes.size(), 1u);
}

// A swept connection must not come back from the host's side (a server pushing data):
// the guard table is up for kSweepGuardMinutes after a sweep that deleted something,
// comes back with the next repair while its time runs, and then goes.
TEST_F(ConntrackSweepAfterRepairTest, AfterASweepTheHostsSideCannotTakeAConnectionUpAgainForAWhile) {
  auto guards = [this] {
    std::vector<std::string> out;
    for (const auto& script : firewall_.scripts)
      if (script.rfind("table inet failoverd_sweep\n", 0) == 0) out.push_back(script);
    return out;
  };
  ASSERT_NE(firewall_.scripts.front().find("delete table inet failoverd_sweep\n"), std::string::npos)
      << "a guard left by an earlier run goes with the start's table";
  EXPECT_TRUE(guards().empty());
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  ASSERT_EQ(guards().size(), 1u);
  EXPECT_NE(guards()[0].find("oifname { \"eth0\", \"eth1\" } ct state new tcp flags & (syn | rst) == 0 drop"),
            std::string::npos)
      << guards()[0];
  // Another flush (it takes the guard table too): the guard comes back, though nothing is left to sweep.
  conntrack_.entries.clear();
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  ASSERT_EQ(guards().size(), 2u);
  clock_.Advance(std::chrono::minutes(kSweepGuardMinutes) - Millis(1));
  loop_.RunDueTimers();
  EXPECT_EQ(guards().size(), 2u);
  clock_.Advance(Millis(1));
  loop_.RunDueTimers();
  ASSERT_EQ(guards().size(), 3u);
  EXPECT_EQ(guards()[2], "table inet failoverd_sweep\ndelete table inet failoverd_sweep\n") << "its time is over";
}

TEST_F(ConntrackSweepAfterRepairTest, NoGuardWhenNothingWasSwept) {
  conntrack_.entries.clear();
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  for (const auto& script : firewall_.scripts) EXPECT_NE(script.rfind("table inet failoverd_sweep\n", 0), 0u);
}

TEST_F(ConntrackSweepAfterRepairTest, AnEditInsideTheTableIsSweptAfterToo) {
  firewall_.Tamper("insert rule inet failoverd input accept");
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(conntrack_.scopes.size(), 1u);
}

TEST_F(ConntrackSweepAfterRepairTest, TcpIsKeptWhenTheKernelWouldNotPickItUpAgain) {
  conntrack_.tcp_resumes = false;
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(conntrack_.entries.size(), 6u);
  EXPECT_NE(events_text().find("2 TCP connection(s) kept: nf_conntrack_tcp_loose is off"), std::string::npos);
}

TEST_F(ConntrackSweepAfterRepairTest, NoSweepWhenTheRepairFailed) {
  firewall_.Flush();
  firewall_.RefuseAll();
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
  EXPECT_TRUE(conntrack_.scopes.empty()) << "with no table back, a swept connection would just be accepted again";
}

TEST_F(ConntrackSweepAfterRepairTest, AFailedSweepIsReported) {
  conntrack_.Fail(true);
  firewall_.Flush();
  daemon_->CheckFirewall(/*foreign=*/true);
  EXPECT_EQ(daemon_->metrics().firewall_restores, 1u);
  EXPECT_EQ(daemon_->metrics().conntrack_swept, 0u);
  EXPECT_NE(events_text().find("were not removed: conntrack dump: injected failure"), std::string::npos);
}

}  // namespace
}  // namespace failoverd
