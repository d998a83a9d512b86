#include "failoverd/core/identify.h"

#include <gtest/gtest.h>

#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;
using Verdict = Identification::Verdict;

policy::Policy TwoNetworks() {
  auto lan = ActiveBackup("eth0", {});
  lan.identify.lldp_chassis = "core-sw-*";
  lan.identify.arp_target = IpAddress::Parse("192.0.2.1");
  lan.identify.ra_prefix = IpPrefix::Parse("2001:db8:1::/64");
  lan.identify.require = policy::Require::kConfirmed;
  auto wan = ActiveBackup("eth1", {});
  wan.identify.lldp_system = "edge-*";
  wan.identify.lldp_port = "Gi1/0/*";
  wan.identify.arp_target = IpAddress::Parse("198.51.100.1");
  wan.identify.require = policy::Require::kConfirmed;
  auto internal = ActiveBackup("vmbr0", {});  // no identify keys: never matched
  return VethPolicy({lan, wan, internal});
}

LldpNeighbor Lldp(std::string chassis, std::string system, std::string port, std::string descr = "") {
  LldpNeighbor n;
  n.chassis_id = std::move(chassis);
  n.system_name = std::move(system);
  n.port_id = std::move(port);
  n.port_description = std::move(descr);
  return n;
}

struct Case {
  const char* name;
  Fingerprint fingerprint;
  bool probing_done;
  Verdict verdict;
  std::string bridge;
  std::set<std::string> contradicted;
};

TEST(IdentifyTest, Table) {
  const auto policy = TwoNetworks();
  const auto mac = *MacAddress::Parse("02:00:00:00:00:01");
  std::vector<Case> cases;
  cases.push_back({"nothing yet", {}, false, Verdict::kUndetermined, "", {}});
  cases.push_back({"nothing after probing", {}, true, Verdict::kUnknown, "", {}});
  {
    Fingerprint f;
    f.lldp = Lldp("core-sw-1", "core-sw-1", "swp1");
    cases.push_back({"lldp chassis -> lan", f, false, Verdict::kMatched, "eth0", {"eth1"}});
  }
  {
    Fingerprint f;
    f.lldp = Lldp("00:11:22:33:44:55", "edge-2", "x", "Gi1/0/7");
    cases.push_back({"lldp system+port description -> wan", f, false, Verdict::kMatched, "eth1", {"eth0"}});
  }
  {
    Fingerprint f;
    f.lldp = Lldp("00:11:22:33:44:55", "edge-2", "Te0/1");
    cases.push_back({"lldp port mismatch contradicts both", f, false, Verdict::kUnknown, "", {"eth0", "eth1"}});
  }
  {
    Fingerprint f;
    f.arp.push_back({*IpAddress::Parse("198.51.100.1"), mac});
    cases.push_back({"arp answer -> wan", f, false, Verdict::kMatched, "eth1", {}});
  }
  {
    Fingerprint f;
    f.ra_prefixes.push_back(*IpPrefix::Parse("2001:db8:1::/64"));
    cases.push_back({"ra prefix -> lan", f, false, Verdict::kMatched, "eth0", {}});
  }
  {
    Fingerprint f;
    f.ra_prefixes.push_back(*IpPrefix::Parse("2001:db8:9::/64"));
    cases.push_back({"foreign ra prefix contradicts lan only", f, false, Verdict::kUndetermined, "", {"eth0"}});
  }
  {
    Fingerprint f;
    f.arp.push_back({*IpAddress::Parse("192.0.2.1"), mac});
    f.arp.push_back({*IpAddress::Parse("198.51.100.1"), mac});
    cases.push_back({"answers for both networks: conflict", f, false, Verdict::kConflict, "", {}});
  }
  {
    Fingerprint f;
    f.lldp = Lldp("core-sw-1", "x", "y");
    f.arp.push_back({*IpAddress::Parse("198.51.100.1"), mac});
    cases.push_back({"lldp says lan, arp says wan: conflict", f, false, Verdict::kConflict, "", {"eth1"}});
  }
  {
    Fingerprint f;
    f.lldp = Lldp("other", "other", "other");
    f.arp.push_back({*IpAddress::Parse("192.0.2.1"), mac});
    cases.push_back({"arp for lan but lldp against lan", f, false, Verdict::kUnknown, "", {"eth0", "eth1"}});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Identification id = Identify(policy, c.fingerprint, c.probing_done);
    EXPECT_EQ(ToString(id.verdict), std::string(ToString(c.verdict))) << id.reason;
    EXPECT_EQ(id.bridge, c.bridge);
    EXPECT_EQ(id.contradicted, c.contradicted);
  }
}

TEST(IdentifyTest, ReasonNamesTheEvidence) {
  Fingerprint f;
  f.lldp = Lldp("core-sw-1", "core-sw-1", "swp1");
  const Identification id = Identify(TwoNetworks(), f, false);
  EXPECT_EQ(id.reason, "LLDP chassis core-sw-1 matches eth0");
}

TEST(IdentifyTest, NoKeysNoProbing) {
  EXPECT_FALSE(AnyIdentifyKeys(VethPolicy({ActiveBackup("eth0", {})})));
  EXPECT_TRUE(AnyIdentifyKeys(TwoNetworks()));
}

}  // namespace
}  // namespace failoverd::core
