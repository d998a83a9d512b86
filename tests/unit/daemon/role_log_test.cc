// RoleLog on a fake clock: each role change is told once — in the log and as an
// event — and counted (failovers with their duration, moves, quarantines); an
// unchanged role is not told again and keeps its `since`.
#include "failoverd/daemon/role_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "fakes/fake_clock.h"

namespace failoverd {
namespace {

using core::NicRole;

constexpr int kA = 11, kB = 12, kC = 13;

core::NicDecision Nic(int ifindex, const std::string& name, NicRole role, const std::string& bridge,
                      const std::string& reason = "policy") {
  core::NicDecision nic;
  nic.ifindex = ifindex;
  nic.name = name;
  nic.role = role;
  nic.bridge = bridge;
  nic.reason = reason;
  return nic;
}

core::Decision Decision(std::vector<core::NicDecision> nics) {
  core::Decision decision;
  decision.nics = std::move(nics);
  return decision;
}

class RoleLogTest : public ::testing::Test {
 protected:
  // Hands `decision` over as a reconcile would that began `took_ms` ago.
  void Carry(const core::Decision& decision, int took_ms = 0) {
    const MonoTime started = clock_.Now();
    clock_.Advance(Millis(took_ms));
    roles_.LogChanges(decision, started);
  }
  // The "role" events, oldest first.
  std::vector<std::string> RoleEvents() const {
    std::vector<std::string> messages;
    for (const auto& event : events_.events())
      if (event.kind == "role") messages.push_back(event.message);
    return messages;
  }
  size_t LogLinesWith(const std::string& needle) const {
    const std::string text = out_.str();
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
  }

  testing::FakeClock clock_;
  EventLog events_;
  Metrics metrics_;
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("engine", std::make_shared<spdlog::sinks::ostream_sink_st>(out_));
  RoleLog roles_{clock_, events_, metrics_, log_};
};

TEST_F(RoleLogTest, AFailoverIsToldAndCountedOnce) {
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0"), Nic(kB, "hweth1", NicRole::kStandby, "eth0")}));
  EXPECT_EQ(RoleEvents(), (std::vector<std::string>{"hweth0: new -> active of eth0 (policy)",
                                                    "hweth1: new -> standby of eth0 (policy)"}));
  EXPECT_TRUE(metrics_.failovers.empty()) << "a first active port replaces no one";
  EXPECT_FALSE(metrics_.last_failover_seconds);

  const auto after_loss = Decision({Nic(kA, "hweth0", NicRole::kStandby, "eth0", "no carrier"),
                                    Nic(kB, "hweth1", NicRole::kActive, "eth0", "hweth0 lost carrier")});
  Carry(after_loss, /*took_ms=*/25);
  Carry(after_loss, /*took_ms=*/40);  // the next reconcile: nothing changed

  const std::string told = "hweth1: standby -> active of eth0 (hweth0 lost carrier)";
  const std::vector<std::string> events = RoleEvents();
  EXPECT_EQ(events.size(), 4u);
  EXPECT_EQ(std::count(events.begin(), events.end(), told), 1);
  EXPECT_EQ(LogLinesWith(told), 1u);
  EXPECT_EQ(LogLinesWith("hweth0: active -> standby of eth0 (no carrier)"), 1u);
  EXPECT_EQ(metrics_.failovers, (std::map<std::string, uint64_t>{{"eth0", 1}}));
  ASSERT_TRUE(metrics_.last_failover_seconds);
  EXPECT_DOUBLE_EQ(*metrics_.last_failover_seconds, 0.025) << "the reconcile that made the switch";
  EXPECT_EQ(metrics_.moves, 0u);
}

TEST_F(RoleLogTest, AnUnchangedRoleIsNotToldAgain) {
  const auto decision = Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0"),
                                  Nic(kC, "hweth2", NicRole::kSpare, "")});
  Carry(decision);
  const size_t told = events_.events().size();
  const std::string log = out_.str();
  // The reason may read differently from one decision to the next; the role did not change.
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0", "still the best"),
                  Nic(kC, "hweth2", NicRole::kSpare, "")}));
  EXPECT_EQ(events_.events().size(), told);
  EXPECT_EQ(out_.str(), log);
  EXPECT_EQ(RoleEvents().back(), "hweth2: new -> spare (policy)") << "no bridge, no \" of \"";
}

TEST_F(RoleLogTest, AMoveToAnotherBridgeCountsAMoveNotAFailover) {
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0"), Nic(kB, "hweth1", NicRole::kActive, "eth1"),
                  Nic(kC, "hweth2", NicRole::kStandby, "eth0")}));
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0"), Nic(kB, "hweth1", NicRole::kActive, "eth1"),
                  Nic(kC, "hweth2", NicRole::kStandby, "eth1", "identified on eth1")}));
  EXPECT_EQ(metrics_.moves, 1u);
  EXPECT_TRUE(metrics_.failovers.empty());
  EXPECT_EQ(RoleEvents().back(), "hweth2: standby -> standby of eth1 (identified on eth1)");
  // Leaving a bridge for none is no move.
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0"), Nic(kB, "hweth1", NicRole::kActive, "eth1"),
                  Nic(kC, "hweth2", NicRole::kSpare, "")}));
  EXPECT_EQ(metrics_.moves, 1u);
}

TEST_F(RoleLogTest, AQuarantineIsCountedWhenItBegins) {
  Carry(Decision({Nic(kC, "hweth2", NicRole::kQuarantined, "", "matches no bridge")}));
  EXPECT_EQ(metrics_.quarantines, 1u) << "a NIC quarantined from the start counts";
  Carry(Decision({Nic(kC, "hweth2", NicRole::kQuarantined, "", "matches no bridge")}));
  EXPECT_EQ(metrics_.quarantines, 1u);
  Carry(Decision({Nic(kC, "hweth2", NicRole::kSpare, "")}));
  Carry(Decision({Nic(kC, "hweth2", NicRole::kQuarantined, "", "matches eth0 and eth1")}));
  EXPECT_EQ(metrics_.quarantines, 2u);
}

TEST_F(RoleLogTest, SinceIsKeptWhileTheRoleIsUnchanged) {
  EXPECT_FALSE(roles_.Since(kA)) << "nothing carried out yet";
  const auto standby = Decision({Nic(kA, "hweth0", NicRole::kStandby, "eth0")});
  Carry(standby);
  const auto first = clock_.WallNow();
  clock_.Advance(Millis(10000));
  Carry(standby);
  ASSERT_TRUE(roles_.Since(kA));
  EXPECT_EQ(*roles_.Since(kA), first);

  clock_.Advance(Millis(500));
  Carry(Decision({Nic(kA, "hweth0", NicRole::kActive, "eth0")}));
  EXPECT_EQ(*roles_.Since(kA), clock_.WallNow()) << "a new role starts its own time";
  EXPECT_GT(*roles_.Since(kA), first);

  Carry(Decision({Nic(kB, "hweth1", NicRole::kActive, "eth0")}));
  EXPECT_FALSE(roles_.Since(kA)) << "a NIC no longer in the decision is forgotten";
  EXPECT_TRUE(roles_.Since(kB));
}

}  // namespace
}  // namespace failoverd
