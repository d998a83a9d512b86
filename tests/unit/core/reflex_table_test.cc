// The reflex's table and step: what a settled daemon publishes (the active port and
// the standbys by preference; nothing for an isolated bridge or a NIC under a manual
// override), its text round trip and refusal of garbage, and the one attach the
// reflex makes on a loss — never next to another port that has carrier.
#include "failoverd/core/reflex_table.h"

#include <gtest/gtest.h>

#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;
using failoverd::testing::kMacA;
using failoverd::testing::kMacB;
using failoverd::testing::kMacC;

class ReflexTableTest : public ::testing::Test {
 protected:
  ReflexTableTest() : policy_(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB, kMacC})})) {
    policy_.bridges[0].spares = false;
    a_ = links_.Add("hweth0", kMacA);
    b_ = links_.Add("hweth1", kMacB);
    c_ = links_.Add("hweth2", kMacC);
    bridge_ = links_.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
    links_.Enslave(a_, bridge_);
  }
  ReflexTable Table(const Overrides* overrides = nullptr) {
    const Decision decision = Decide({policy_, observed_, remembered_, "id", kNow, nullptr, overrides});
    return MakeReflexTable(policy_, decision, observed_);
  }
  std::vector<LinkInfo> Links() const {
    std::vector<LinkInfo> out;
    for (const auto& [ifindex, link] : observed_.links()) out.push_back(link);
    return out;
  }

  const MonoTime kNow = MonoTime(std::chrono::hours(1));
  policy::Policy policy_;
  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> remembered_;
  int a_ = 0, b_ = 0, c_ = 0, bridge_ = 0;
};

TEST_F(ReflexTableTest, TheActivePortAndItsStandbysByPreference) {
  const ReflexTable table = Table();
  ASSERT_EQ(table.entries.size(), 1u);
  EXPECT_EQ(table.entries[0], (ReflexEntry{"eth0", bridge_, a_, {b_, c_}}));
  EXPECT_EQ(table.hold_down_ms, 0);
}

TEST_F(ReflexTableTest, NothingForABridgeFailoverdDidNotMakeNorDoesTheReflexAttachToOne) {
  const ReflexTable table = Table();
  ASSERT_EQ(table.entries.size(), 1u);
  LinkInfo unmarked = *observed_.Find(bridge_);
  unmarked.alias.clear();  // someone else's bridge that took the name
  observed_.Update(unmarked, kNow);
  EXPECT_TRUE(Table().entries.empty());
  links_.SetCarrier(a_, false, kNow);
  EXPECT_FALSE(ReflexStepFor(table, a_, Links()).has_value()) << "the published table's bridge is not failoverd's now";
}

TEST_F(ReflexTableTest, NothingForAnIsolatedBridgeNorANicTheAdministratorDetached) {
  Overrides isolated;
  isolated.isolated.insert("eth0");
  EXPECT_TRUE(Table(&isolated).entries.empty());
  Overrides detached;
  detached.manual[*MacAddress::Parse(kMacB)] = "";
  ASSERT_EQ(Table(&detached).entries.size(), 1u);
  EXPECT_EQ(Table(&detached).entries[0].standbys, std::vector<int>{c_}) << "hweth1 is the administrator's now";
}

// The table lists whom the decision would let take over, not every standby: a NIC
// its bridge's identification does not allow yet (require = "confirmed", never seen
// on the bridge's network) could bridge two networks if the reflex attached it.
TEST_F(ReflexTableTest, AStandbyTheCablesIdentificationDoesNotAllowIsNotListed) {
  policy_.bridges[0].identify.arp_target = *IpAddress::Parse("192.0.2.1");
  policy_.bridges[0].identify.require = policy::Require::kConfirmed;
  std::map<int, NicEvidence> evidence;
  for (int seen : {a_, b_}) {  // hweth0 and hweth1 answered from eth0's gateway
    evidence[seen].probing_done = true;
    evidence[seen].fingerprint.arp.push_back({*IpAddress::Parse("192.0.2.1"), *MacAddress::Parse("02:00:00:00:0a:01")});
  }
  const Decision decision = Decide({policy_, observed_, remembered_, "id", kNow, &evidence});
  const ReflexTable table = MakeReflexTable(policy_, decision, observed_);
  ASSERT_EQ(table.entries.size(), 1u);
  EXPECT_EQ(table.entries[0].standbys, std::vector<int>{b_}) << "hweth2 was never seen on eth0's network";
}

// A NIC whose carrier came back less than up_delay ago is not listed; the decision
// once up_delay has passed lists it.
TEST_F(ReflexTableTest, ANicInUpDelayIsListedOnlyOnceItHasPassed) {
  policy_.daemon.up_delay_ms = 2000;
  links_.SetCarrier(b_, false, kNow - std::chrono::seconds(10));
  links_.SetCarrier(b_, true, kNow - std::chrono::milliseconds(500));
  ASSERT_EQ(Table().entries.size(), 1u);
  EXPECT_EQ(Table().entries[0].standbys, std::vector<int>{c_});
  const Decision later = Decide({policy_, observed_, remembered_, "id", kNow + std::chrono::seconds(2)});
  EXPECT_EQ(MakeReflexTable(policy_, later, observed_).entries[0].standbys, (std::vector<int>{b_, c_}));
}

TEST_F(ReflexTableTest, NoEntryWithoutAnEnslavedActivePort) {
  LinkInfo loose = *observed_.Find(a_);
  loose.master = 0;
  observed_.Update(loose, MonoTime{});
  EXPECT_TRUE(Table().entries.empty());
}

TEST_F(ReflexTableTest, TextRoundTripAndGarbageIsRefused) {
  ReflexTable table = Table();
  table.hold_down_ms = 250;
  const std::string text = ReflexTableText(table);
  EXPECT_EQ(text, "hold_down_ms 250\nbridge eth0 " + std::to_string(bridge_) + " " + std::to_string(a_) + " " +
                      std::to_string(b_) + "," + std::to_string(c_) + "\n");
  EXPECT_EQ(ParseReflexTable(text), table);
  EXPECT_EQ(ParseReflexTable("hold_down_ms 0\n"), ReflexTable{});
  for (const char* bad : {"", "hold_down_ms\n", "hold_down_ms -1\n", "hold_down_ms 0 x\n",
                          "hold_down_ms 0\nbridge eth0 5 2\n", "hold_down_ms 0\nbridge eth0 5 2 3,x\n",
                          "hold_down_ms 0\nport eth0 5 2 3\n", "hold_down_ms 0\nbridge eth0 0 2 3\n"})
    EXPECT_FALSE(ParseReflexTable(bad)) << bad;
}

TEST_F(ReflexTableTest, ALossAttachesTheFirstUsableStandby) {
  const ReflexTable table = Table();
  links_.SetCarrier(a_, false, kNow);
  links_.SetCarrier(b_, false, kNow);  // the first standby is dead too
  const auto step = ReflexStepFor(table, a_, Links());
  ASSERT_TRUE(step);
  EXPECT_EQ(step->nic, c_);
  EXPECT_EQ(step->bridge_ifindex, bridge_);
  EXPECT_EQ(step->bridge, "eth0");
}

TEST_F(ReflexTableTest, NoStepWhileAnotherPortHasCarrierOrTheLossIsNoActivePort) {
  const ReflexTable table = Table();
  EXPECT_FALSE(ReflexStepFor(table, a_, Links())) << "the active port still has carrier";
  links_.SetCarrier(a_, false, kNow);
  EXPECT_FALSE(ReflexStepFor(table, b_, Links())) << "a standby is no active port";
  links_.Enslave(b_, bridge_);  // someone attached hweth1 meanwhile
  EXPECT_FALSE(ReflexStepFor(table, a_, Links())) << "never two ports with carrier in one bridge";
}

TEST_F(ReflexTableTest, NoStepWhenTheBridgeIsNotTheOneOfTheTable) {
  const ReflexTable table = Table();
  links_.SetCarrier(a_, false, kNow);
  std::vector<LinkInfo> links = Links();
  std::erase_if(links, [&](const LinkInfo& link) { return link.ifindex == bridge_; });
  EXPECT_FALSE(ReflexStepFor(table, a_, links)) << "the bridge is gone";
  std::erase_if(links, [&](const LinkInfo& link) { return link.ifindex == a_; });
  links.push_back(*observed_.Find(bridge_));
  EXPECT_EQ(ReflexStepFor(table, a_, links)->nic, b_) << "the dead port removed altogether (unplugged)";
}

}  // namespace
}  // namespace failoverd::core
