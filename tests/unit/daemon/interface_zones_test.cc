// The zones of [[interface]]s: read at start (a rollback's recorded rules first), and
// at a reload removed, installed or left as they are; one that cannot be read or
// installed leaves its interface to the administrator's own rules.
#include "failoverd/daemon/interface_zones.h"

#include <gtest/gtest.h>

#include <fstream>

#include "failoverd/runtime/logging.h"
#include "fakes/fake_firewall.h"
#include "fakes/temp_dir.h"

namespace failoverd {
namespace {

class InterfaceZonesTest : public ::testing::Test {
 protected:
  InterfaceZonesTest() {
    std::ofstream(zones_.path() + "/trusted.nft") << "input {\n\tmeta l4proto tcp accept\n}\n";
    std::ofstream(zones_.path() + "/lan.nft") << "input {\n\ttcp dport 22 accept\n}\n";
  }
  policy::Policy Policy(std::vector<std::pair<std::string, std::string>> interfaces) {
    policy::Policy policy;
    policy.daemon.zones_dir = zones_.path();
    for (auto& [name, zone] : interfaces) policy.interfaces.push_back({name, zone, {}, {}});
    return policy;
  }
  firewall::ZoneFragment Zone(const std::string& name) { return firewall::LoadZone(zones_.path(), name).value(); }

  testing::TempDir zones_;
  testing::FakeFirewall firewall_;
  InterfaceZones zones{firewall_, GetLogger("engine")};
};

TEST_F(InterfaceZonesTest, LoadTakesTheRecordedRulesOfTheSameZoneElseTheFile) {
  firewall::ZoneFragment recorded = Zone("lan");
  recorded.input_rules = {"tcp dport 2222 accept"};
  zones.Load(Policy({{"wg0", "lan"}, {"tun0", "trusted"}, {"vpn1", "no-such-zone"}}),
             {{"wg0", recorded}, {"tun0", recorded}});
  ASSERT_EQ(zones.installed().size(), 2u) << "vpn1's zone cannot be read: left to your own rules";
  EXPECT_EQ(zones.installed().at("wg0").input_rules, recorded.input_rules);
  EXPECT_EQ(zones.installed().at("tun0").name, "trusted") << "a recorded fragment of another zone is not used";
  EXPECT_TRUE(firewall_.scripts.empty()) << "Load writes nothing: the table's first transaction does";
}

TEST_F(InterfaceZonesTest, SyncRemovesInstallsAndLeavesWhatIsTheSame) {
  zones.Load(Policy({{"wg0", "lan"}, {"tun0", "trusted"}}), {});
  zones.Sync(Policy({{"wg0", "lan"}, {"eth9", "trusted"}}), {{"wg0", Zone("lan")}, {"eth9", Zone("trusted")}});
  ASSERT_EQ(firewall_.scripts.size(), 2u);
  EXPECT_NE(firewall_.scripts[0].find("delete chain inet failoverd in_tun0"), std::string::npos) << firewall_.scripts[0];
  EXPECT_NE(firewall_.scripts[1].find("governed { \"eth9\" }"), std::string::npos) << firewall_.scripts[1];
  EXPECT_EQ(zones.installed().size(), 2u);
  EXPECT_TRUE(zones.installed().count("eth9"));
  // A zone refused by nftables is not recorded as installed.
  firewall_.RefuseAll();
  zones.Sync(Policy({{"wg0", "trusted"}, {"eth9", "trusted"}}), {{"wg0", Zone("trusted")}, {"eth9", Zone("trusted")}});
  EXPECT_EQ(zones.installed().at("wg0").name, "lan");
}

}  // namespace
}  // namespace failoverd
