// The dry run's text is its JSON report, line by line: a conversion with its MAC,
// addresses, routes and window; a refusal alone; the plan; and each bridge's NICs,
// addresses, gateway and zone.
#include "failoverd/daemon/dry_run.h"

#include <gtest/gtest.h>

namespace failoverd {
namespace {

using nlohmann::json;

TEST(DryRunTextTest, AConversionThePlanAndTheBridges) {
  const json report = {
      {"conversion",
       {{"nics",
         {{{"nic", "eth0"},
           {"bridge", "eth0"},
           {"mac", "02:00:00:00:0e:01"},
           {"addresses", {"192.0.2.10/24", "2001:db8:1::10/64"}},
           {"routes", {"the default route via 192.0.2.1"}}}}},
        {"confirm_seconds", 300}}},
      {"left_alone", {{{"nic", "ens9"}, {"reason", "carries 198.51.100.7/24"}}}},
      {"firewall", {"replace table inet failoverd"}},
      {"actions", {{{"action", "rename"}, {"text", "hweth0: rename (was ifindex 2) (was eth0)"}}}},
      {"blocked", json::array()},
      {"bridges",
       {{{"name", "eth0"},
         {"zone", "lan"},
         {"mac", "02:00:00:00:0e:01"},
         {"active", "hweth0"},
         {"why", "first preferred"},
         {"standbys", {"hweth1", "hweth2"}},
         {"addresses", {"192.0.2.10/24"}},
         {"gateway", "192.0.2.1"}},
        {{"name", "br-vm"},
         {"zone", "trusted"},
         {"mac", "02:00:00:00:0f:01"},
         {"active", nullptr},
         {"why", "internal"},
         {"standbys", json::array()},
         {"addresses", json::array()},
         {"gateway", nullptr}}}}};
  EXPECT_EQ(DryRunText(report),
            "convert: eth0 becomes a bridge named eth0 with the NIC (renamed below) as its port; the bridge keeps MAC "
            "02:00:00:00:0e:01; 192.0.2.10/24, 2001:db8:1::10/64 move to the bridge\n"
            "convert: eth0: the default route via 192.0.2.1 moves to the bridge\n"
            "convert: under a confirm window of 300 s: unless `failoverctl confirm` comes in time (or if failoverd "
            "stops inside it), the host is put back exactly as it is now\n"
            "ens9: carries 198.51.100.7/24\n"
            "firewall: replace table inet failoverd\n"
            "hweth0: rename (was ifindex 2) (was eth0)\n"
            "bridge eth0: forwards through hweth0, standby hweth1, hweth2; addresses 192.0.2.10/24; gateway 192.0.2.1; "
            "zone lan\n"
            "bridge br-vm: no NIC with carrier to forward through yet; addresses none; zone trusted\n");
}

TEST(DryRunTextTest, ARefusalIsAllThatIsShown) {
  const json report = {{"refused", {{"exit", 4}, {"reasons", {"eth0: address 192.0.2.77/24 has a lease lifetime"}}}}};
  EXPECT_EQ(DryRunText(report),
            "a start would refuse to convert this host (exit 4), changing nothing:\n"
            "  eth0: address 192.0.2.77/24 has a lease lifetime\n");
}

TEST(DryRunTextTest, NothingToChangeIsSaid) {
  const json report = {{"firewall", json::array()}, {"actions", json::array()}, {"bridges", json::array()}};
  EXPECT_EQ(DryRunText(report), "nothing else to change\n");
}

}  // namespace
}  // namespace failoverd
