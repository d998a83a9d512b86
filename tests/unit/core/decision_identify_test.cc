// Decide with network identification: every `require` mode, moves, conflicts.
#include <gtest/gtest.h>

#include "failoverd/core/decision.h"
#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;

constexpr const char* kLanA = "02:00:00:00:01:01";
constexpr const char* kLanB = "02:00:00:00:01:02";
constexpr const char* kWan = "02:00:00:00:02:01";

Fingerprint SeenOn(const std::string& bridge) {
  Fingerprint f;
  LldpNeighbor n;
  n.chassis_id = bridge == "eth0" ? "core-sw-1" : "edge-sw-1";
  n.system_name = n.chassis_id;
  n.port_id = "swp1";
  f.lldp = n;
  return f;
}

class DecisionIdentifyTest : public ::testing::Test {
 protected:
  policy::Policy Policy(policy::Require require) {
    auto lan = ActiveBackup("eth0", {kLanA, kLanB});
    lan.identify.lldp_chassis = "core-sw-*";
    lan.identify.require = require;
    auto wan = ActiveBackup("eth1", {kWan});
    wan.identify.lldp_chassis = "edge-sw-*";
    wan.identify.require = require;
    return VethPolicy({lan, wan});
  }
  Decision Run(const policy::Policy& policy) {
    return Decide({policy, observed_, names_, "id", MonoTime(std::chrono::hours(1)), &evidence_});
  }

  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> names_;
  std::map<int, NicEvidence> evidence_;
};

TEST_F(DecisionIdentifyTest, ConfirmedAttachesNothingUntilIdentified) {
  const int a = links_.Add("hweth0", kLanA);
  const auto policy = Policy(policy::Require::kConfirmed);
  Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, 0);
  EXPECT_EQ(d.FindBridge("eth0")->reason, "no NIC identified on eth0's network (require = confirmed)");
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kStandby);
  EXPECT_EQ(d.FindNic(a)->network, "");
  EXPECT_NE(d.FindNic(a)->reason.find("waiting for identification"), std::string::npos) << d.FindNic(a)->reason;

  evidence_[a].fingerprint = SeenOn("eth0");
  d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, a);
  EXPECT_EQ(d.FindNic(a)->network, "eth0");
}

TEST_F(DecisionIdentifyTest, NoneAttachesWithoutAnswer) {
  const int a = links_.Add("hweth0", kLanA);
  const auto policy = Policy(policy::Require::kNone);
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, a);
}

TEST_F(DecisionIdentifyTest, RememberedCountsUntilContradicted) {
  const int a = links_.Add("hweth0", kLanA);
  const auto policy = Policy(policy::Require::kRemembered);
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, 0) << "nothing remembered";
  evidence_[a].remembered_network = "eth0";
  EXPECT_EQ(Run(policy).FindBridge("eth0")->active, a) << "remembered, nothing heard";
  LldpNeighbor other;
  other.chassis_id = "somewhere-else";
  evidence_[a].fingerprint.lldp = other;
  const Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, 0) << "contradicted by LLDP";
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kQuarantined) << "matches no bridge at all";
}

TEST_F(DecisionIdentifyTest, SwappedCablesEachNicServesTheNetworkItSees) {
  const int lan_nic = links_.Add("hweth0", kLanA);
  const int wan_nic = links_.Add("hweth2", kWan);
  evidence_[lan_nic].fingerprint = SeenOn("eth1");
  evidence_[wan_nic].fingerprint = SeenOn("eth0");
  const auto policy = Policy(policy::Require::kConfirmed);
  const Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, wan_nic);
  EXPECT_EQ(d.FindBridge("eth1")->active, lan_nic);
  EXPECT_EQ(d.FindNic(lan_nic)->bridge, "eth1");
  EXPECT_EQ(d.FindNic(lan_nic)->reason.rfind("moved eth0 -> eth1: LLDP chassis edge-sw-1 matches eth1", 0), 0u)
      << d.FindNic(lan_nic)->reason;
}

TEST_F(DecisionIdentifyTest, ActivePortSeenOnAnotherNetworkIsReplacedAndMoved) {
  const int a = links_.Add("hweth0", kLanA);
  const int b = links_.Add("hweth1", kLanB);
  const int br0 = links_.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
  links_.Enslave(a, br0);
  evidence_[a].fingerprint = SeenOn("eth1");  // its cable now goes to the WAN switch
  evidence_[b].fingerprint = SeenOn("eth0");
  const auto policy = Policy(policy::Require::kConfirmed);
  const Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth0")->active, b);
  EXPECT_EQ(d.FindBridge("eth1")->active, a);
}

TEST_F(DecisionIdentifyTest, ConflictIsQuarantinedEvenUnderRequireNone) {
  const int a = links_.Add("hweth0", kLanA);
  auto policy = Policy(policy::Require::kNone);
  policy.bridges[0].identify.arp_target = IpAddress::Parse("192.0.2.1");
  policy.bridges[1].identify.arp_target = IpAddress::Parse("198.51.100.1");
  const auto mac = *MacAddress::Parse("02:00:00:00:99:99");
  evidence_[a].fingerprint.arp = {{*IpAddress::Parse("192.0.2.1"), mac}, {*IpAddress::Parse("198.51.100.1"), mac}};
  const Decision d = Run(policy);
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kQuarantined);
  EXPECT_EQ(d.FindNic(a)->network, "unknown");
  EXPECT_EQ(d.FindBridge("eth0")->active, 0);
}

TEST_F(DecisionIdentifyTest, UnknownNetworkQuarantinesUnlessItsBridgeAsksNoCheck) {
  const int a = links_.Add("hweth0", kLanA);
  evidence_[a].probing_done = true;  // nothing answered
  const auto confirmed = Policy(policy::Require::kConfirmed);
  Decision d = Run(confirmed);
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kQuarantined);
  EXPECT_EQ(d.FindNic(a)->bridge, "");
  EXPECT_EQ(d.FindNic(a)->reason, "quarantined: no identification answer on the cable");
  const auto none = Policy(policy::Require::kNone);
  d = Run(none);
  EXPECT_EQ(d.FindNic(a)->role, NicRole::kActive) << "require = none: no check";
}

TEST_F(DecisionIdentifyTest, SpareIdentifiedOnANetworkServesIt) {
  const int spare = links_.Add("hweth5", "02:00:00:00:09:09");
  evidence_[spare].fingerprint = SeenOn("eth1");
  const auto policy = Policy(policy::Require::kConfirmed);
  const Decision d = Run(policy);
  EXPECT_EQ(d.FindBridge("eth1")->active, spare);
  EXPECT_EQ(d.FindBridge("eth0")->active, 0);
  EXPECT_EQ(d.FindNic(spare)->reason.rfind("identified on eth1", 0), 0u) << d.FindNic(spare)->reason;

  auto no_spares = Policy(policy::Require::kConfirmed);
  no_spares.bridges[1].spares = false;
  const Decision d2 = Run(no_spares);
  EXPECT_EQ(d2.FindBridge("eth1")->active, 0) << "eth1 takes no spares, identified or not";
  EXPECT_EQ(d2.FindNic(spare)->role, NicRole::kSpare);
  EXPECT_EQ(d2.FindNic(spare)->network, "eth1");
}

}  // namespace
}  // namespace failoverd::core
