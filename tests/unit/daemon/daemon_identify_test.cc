// The daemon with network identification, on fake cables: nothing attached before
// confirmation, swapped cables corrected, a fresh fingerprint per link-up.
#include <gtest/gtest.h>

#include <filesystem>

#include "failoverd/daemon/daemon.h"
#include "fakes/fake_cable.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::VethPolicy;

constexpr const char* kLanA = "02:00:00:00:01:01";
constexpr const char* kLanB = "02:00:00:00:01:02";
constexpr const char* kWan = "02:00:00:00:02:01";

class DaemonIdentifyTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
  }
  policy::Policy Policy() {
    auto lan = ActiveBackup("eth0", {kLanA, kLanB}, "192.0.2.9/24");
    lan.identify.lldp_chassis = "core-sw-*";
    lan.identify.arp_target = IpAddress::Parse("192.0.2.1");
    lan.identify.require = policy::Require::kConfirmed;
    auto wan = ActiveBackup("eth1", {kWan}, "198.51.100.9/24");
    wan.identify.lldp_chassis = "edge-sw-*";
    wan.identify.require = policy::Require::kConfirmed;
    auto policy = VethPolicy({lan, wan});
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  void Start() {
    daemon_ = std::make_unique<Daemon>(Policy(), "machine", clock_, loop_, kernel_, firewall_, cables_.Factory());
    ASSERT_TRUE(daemon_->Start());
  }
  void Carrier(int ifindex, bool carrier) {
    clock_.Advance(Millis(10));
    kernel_.SetCarrier(ifindex, carrier);
    daemon_->Resync();
  }
  std::string EventsText() {
    std::string text;
    for (const auto& event : daemon_->events().events()) text += event.message + "\n";
    return text;
  }

  testing::FakeCables cables_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonIdentifyTest, NothingAttachedUntilConfirmedThenRightBridges) {
  const int a = kernel_.AddNic("ens1", kLanA);
  const int w = kernel_.AddNic("ens3", kWan);
  Start();
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  EXPECT_TRUE(kernel_.PortsOf("eth1").empty());
  ASSERT_NE(cables_.session(a), nullptr);
  EXPECT_EQ(cables_.session(a)->sent.front(), "arp 192.0.2.1") << "an ARP probe goes out at link-up";
  const auto status = daemon_->StatusJson();
  EXPECT_EQ(status["bridges"][0]["active"], nullptr);

  cables_.Lldp(a, "core-sw-1");
  cables_.Lldp(w, "edge-sw-1");
  daemon_->PollProbes();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{w});
  const auto after = daemon_->StatusJson();
  EXPECT_EQ(after["nics"][0]["network"], "eth0");
  EXPECT_EQ(after["nics"][0]["seen"]["lldp"]["chassis_id"], "core-sw-1");
}

TEST_F(DaemonIdentifyTest, SwappedCablesWhileRunningEndOnTheRightBridges) {
  const int a = kernel_.AddNic("ens1", kLanA);
  const int w = kernel_.AddNic("ens3", kWan);
  Start();
  cables_.Lldp(a, "core-sw-1");
  cables_.Lldp(w, "edge-sw-1");
  daemon_->PollProbes();
  ASSERT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{a});

  // Unplug both, plug each into the other switch.
  Carrier(a, false);
  Carrier(w, false);
  Carrier(a, true);
  Carrier(w, true);
  EXPECT_EQ(cables_.opened(a), 2) << "a new link-up opens a fresh probe";
  // The old fingerprint is gone: under require = confirmed nothing serves yet...
  for (int port : kernel_.PortsOf("eth0")) EXPECT_NE(port, a) << "A must not go back to eth0 unconfirmed";
  cables_.Lldp(a, "edge-sw-1");
  cables_.Lldp(w, "core-sw-1");
  daemon_->PollProbes();
  EXPECT_EQ(kernel_.PortsOf("eth0"), std::vector<int>{w});
  EXPECT_EQ(kernel_.PortsOf("eth1"), std::vector<int>{a});
  EXPECT_EQ(daemon_->metrics().moves, 2u) << "both NICs moved";
  EXPECT_NE(EventsText().find("hweth0: standby -> active of eth1 (moved eth0 -> eth1: LLDP chassis edge-sw-1 matches eth1"),
            std::string::npos)
      << EventsText();
}

TEST_F(DaemonIdentifyTest, RememberedNetworkIsPersisted) {
  const int a = kernel_.AddNic("ens1", kLanA);
  Start();
  cables_.Lldp(a, "core-sw-1");
  daemon_->PollProbes();
  StateStore reread(state_dir_);
  ASSERT_TRUE(reread.Load());
  EXPECT_EQ(reread.networks().at(*MacAddress::Parse(kLanA)), "eth0");
}

}  // namespace
}  // namespace failoverd
