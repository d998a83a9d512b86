// The state recorded by `apply --confirm`: its JSON form survives a round trip (and
// a damaged one is refused whole), taking it reads the daemon's picture and the
// kernel, and comparing two names every difference.
#include <gtest/gtest.h>

#include <functional>

#include "failoverd/daemon/apply_snapshot.h"
#include "failoverd/daemon/apply_snapshot_json.h"
#include "fakes/fake_kernel.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

MacAddress Mac(const char* text) { return *MacAddress::Parse(text); }

firewall::ZoneFragment Zone(const std::string& name, std::vector<std::string> input) {
  return {name, "/etc/failoverd/zones/" + name + ".nft", std::move(input), {}};
}

ApplySnapshot Sample() {
  ApplySnapshot snapshot;
  RecordedBridge eth0;
  eth0.name = "eth0";
  eth0.mac = Mac("02:aa:00:00:00:01");
  eth0.active = RecordedPort{"hweth0", Mac("02:00:00:00:01:01")};
  eth0.standbys = {{"hweth1", Mac("02:00:00:00:01:02")}};
  eth0.l3.addresses = {*IpPrefix::Parse("192.0.2.9/24"), *IpPrefix::Parse("2001:db8:1::9/64")};
  eth0.l3.gateways = {*IpAddress::Parse("192.0.2.1")};
  eth0.zone = Zone("lan", {"tcp dport 22 accept", "meta l4proto icmp accept"});
  eth0.zone->forward_rules = {"ct state new drop"};
  RecordedBridge internal;
  internal.name = "br-vm";
  internal.mac = Mac("02:aa:00:00:00:02");
  internal.zone = Zone("trusted", {});
  RecordedBridge leftover;
  leftover.name = "old";
  leftover.present = false;
  leftover.zone = Zone("lan", {});
  snapshot.bridges = {internal, eth0, leftover};
  snapshot.names = {{Mac("02:00:00:00:01:01"), "hweth0"}, {Mac("02:00:00:00:01:02"), "hweth1"}};
  return snapshot;
}

bool SameSnapshot(const ApplySnapshot& a, const ApplySnapshot& b) { return SnapshotDifferences(a, b).empty(); }

TEST(ApplySnapshotJsonTest, RoundTripKeepsEverything) {
  const ApplySnapshot snapshot = Sample();
  const nlohmann::json json = SnapshotToJson(snapshot);
  // Through text, as state.json keeps it.
  auto back = SnapshotFromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back) << back.message();
  EXPECT_TRUE(SameSnapshot(snapshot, *back));
  EXPECT_EQ(SnapshotToJson(*back), json);
  const RecordedBridge* eth0 = back->Find("eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(eth0->zone->path, "/etc/failoverd/zones/lan.nft");
  EXPECT_EQ(eth0->zone->forward_rules, std::vector<std::string>{"ct state new drop"});
  EXPECT_FALSE(back->Find("br-vm")->active.has_value());
  EXPECT_FALSE(back->Find("old")->present);
  EXPECT_EQ(back->ActivePorts(), (std::map<std::string, MacAddress>{{"eth0", Mac("02:00:00:00:01:01")}}));
  EXPECT_EQ(back->Zones().size(), 3u);
  EXPECT_EQ(json["bridges"][1]["addresses"], nlohmann::json({"192.0.2.9/24", "2001:db8:1::9/64"}));
}

TEST(ApplySnapshotJsonTest, DamagedRecordIsRefusedWhole) {
  const nlohmann::json good = SnapshotToJson(Sample());
  EXPECT_FALSE(SnapshotFromJson(nullptr));
  EXPECT_FALSE(SnapshotFromJson(nlohmann::json::object()));
  auto damaged = [&](const std::function<void(nlohmann::json&)>& damage) {
    nlohmann::json copy = good;
    damage(copy);
    return SnapshotFromJson(copy);
  };
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1]["mac"] = "not a mac"; }));
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1]["addresses"][0] = "192.0.2.9/33"; }));
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1]["gateways"] = "192.0.2.1"; }));
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1]["active"] = {{"nic", "hweth0"}}; }));
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1]["zone"]["input"][0] = 7; }));
  EXPECT_FALSE(damaged([](auto& j) { j["bridges"][1].erase("zone"); }));
  EXPECT_FALSE(damaged([](auto& j) { j["names"]["nonsense"] = "hweth9"; }));
  auto missing_present = damaged([](auto& j) { j["bridges"][0].erase("present"); });
  ASSERT_FALSE(missing_present);
  EXPECT_NE(missing_present.message().find("present"), std::string::npos) << missing_present.message();
}

TEST(ApplySnapshotDiffTest, EveryKindOfDifferenceIsNamed) {
  const ApplySnapshot recorded = Sample();
  EXPECT_TRUE(SnapshotDifferences(recorded, recorded).empty());

  ApplySnapshot now = Sample();
  RecordedBridge& eth0 = now.bridges[1];
  eth0.mac = Mac("02:aa:00:00:00:09");
  eth0.active = RecordedPort{"hweth1", Mac("02:00:00:00:01:02")};
  eth0.standbys = {{"hweth0", Mac("02:00:00:00:01:01")}};
  eth0.l3.addresses = {*IpPrefix::Parse("192.0.2.9/24"), *IpPrefix::Parse("192.0.2.19/24")};
  eth0.l3.gateways = {*IpAddress::Parse("192.0.2.254")};
  eth0.zone->input_rules.push_back("tcp dport 2222 accept");
  now.bridges[0].zone = Zone("lan", {});  // br-vm: another zone
  now.bridges.erase(now.bridges.begin() + 2);  // "old" gone
  RecordedBridge extra;
  extra.name = "eth2";
  now.bridges.push_back(extra);
  now.names[Mac("02:00:00:00:01:02")] = "hweth7";
  now.names[Mac("02:00:00:00:03:03")] = "hweth3";

  const std::vector<std::string> expected = {
      "br-vm: firewall zone lan (0 input, 0 forward rules), recorded trusted (0 input, 0 forward rules)",
      "eth0: MAC 02:aa:00:00:00:09, recorded 02:aa:00:00:00:01",
      "eth0: active port hweth1 (02:00:00:00:01:02), recorded hweth0 (02:00:00:00:01:01)",
      "eth0: standby ports [hweth0 (02:00:00:00:01:01)], recorded [hweth1 (02:00:00:00:01:02)]",
      "eth0: address 2001:db8:1::9/64 is missing",
      "eth0: address 192.0.2.19/24 was not there at apply",
      "eth0: default route via 192.0.2.1 is missing",
      "eth0: default route via 192.0.2.254 was not there at apply",
      "eth0: the rules of zone lan differ from those recorded",
      "old: its firewall zone is missing",
      "eth2: the bridge exists, it was not there at apply",
      "NIC 02:00:00:00:01:02 is named hweth7, recorded hweth1",
      "NIC 02:00:00:00:03:03 (hweth3) was not there at apply",
  };
  EXPECT_EQ(SnapshotDifferences(recorded, now), expected);
}

TEST(ApplySnapshotTakeTest, ReadsPortsRolesZonesAndTheKernelsL3) {
  testing::FakeKernel kernel;
  core::ObservedState observed;
  const int a = kernel.AddNic("hweth0", "02:00:00:00:01:01");
  const int b = kernel.AddNic("hweth1", "02:00:00:00:01:02");
  const int bridge = *kernel.CreateBridge({"eth0", Mac("02:aa:00:00:00:01"), false, 0});
  ASSERT_TRUE(kernel.SetMaster(a, bridge));
  ASSERT_TRUE(kernel.SetLinkUp(bridge, true));  // the kernel takes no gateway on a down bridge
  ASSERT_TRUE(kernel.EnsureAddress(bridge, *IpPrefix::Parse("192.0.2.9/24")));
  ASSERT_TRUE(kernel.EnsureDefaultRoute(bridge, *IpAddress::Parse("192.0.2.1")));
  observed.ReplaceAll(*kernel.DumpLinks(), MonoTime{}, true);
  const auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {"02:00:00:00:01:01", "02:00:00:00:01:02"})});
  const std::map<MacAddress, std::string> names;
  const core::Decision decision = core::Decide({policy, observed, names, "id", MonoTime{}});
  const std::map<std::string, firewall::ZoneFragment> zones = {{"eth0", Zone("lan", {"tcp dport 22 accept"})}};

  auto snapshot = TakeSnapshot({observed, decision, zones, {"eth0", "eth9"}}, kernel);
  ASSERT_TRUE(snapshot) << snapshot.message();
  ASSERT_EQ(snapshot->bridges.size(), 1u) << "eth9 neither exists nor has a zone";
  const RecordedBridge& eth0 = snapshot->bridges[0];
  EXPECT_EQ(eth0.mac, Mac("02:aa:00:00:00:01"));
  EXPECT_EQ(eth0.active, (RecordedPort{"hweth0", Mac("02:00:00:00:01:01")}));
  EXPECT_EQ(eth0.standbys, (std::vector<RecordedPort>{{"hweth1", Mac("02:00:00:00:01:02")}}));
  EXPECT_EQ(eth0.l3.addresses, std::vector<IpPrefix>{*IpPrefix::Parse("192.0.2.9/24")});
  EXPECT_EQ(eth0.l3.gateways, std::vector<IpAddress>{*IpAddress::Parse("192.0.2.1")});
  EXPECT_EQ(eth0.zone->input_rules, std::vector<std::string>{"tcp dport 22 accept"});
  EXPECT_EQ(snapshot->names.size(), 2u);
  EXPECT_EQ(snapshot->names.at(Mac("02:00:00:00:01:02")), "hweth1");
  (void)b;

  kernel.FailNext("read-l3");
  EXPECT_FALSE(TakeSnapshot({observed, decision, zones, {"eth0"}}, kernel));
}

}  // namespace
}  // namespace failoverd
