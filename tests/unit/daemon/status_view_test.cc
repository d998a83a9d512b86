// StatusView over hand-made state: what status shows of each bridge (state, error,
// active port, ports and their roles) and NIC, and what probe answers.
#include "failoverd/daemon/status_view.h"

#include <gtest/gtest.h>

#include "failoverd/core/bridge_mac.h"
#include "failoverd/runtime/logging.h"
#include "fakes/daemon_test_base.h"
#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using testing::ActiveBackup;
using testing::kMacA;
using testing::kMacB;
using testing::kMacC;
using testing::VethPolicy;

class StatusViewTest : public testing::DaemonTestBase {
 protected:
  StatusViewTest() : policy_(VethPolicy({ActiveBackup("eth0", {kMacA, kMacB}), ActiveBackup("eth1", {kMacC})})) {
    policy_.bridges[1].spares = false;
    a_ = links_.Add("hweth0", kMacA);
    b_ = links_.Add("hweth1", kMacB);
    const int eth0 = links_.Add("eth0", core::StableBridgeMac("id", "eth0").ToString(), true, "bridge");
    links_.Enslave(a_, eth0);
    decision_ = core::Decide({policy_, observed_, {}, "id", MonoTime(std::chrono::hours(1))});
  }
  StatusView View() {
    return StatusView({policy_, observed_, decision_, progress_, blocked_, probes_, roles_, live_nics_});
  }
  const nlohmann::json& BridgeNamed(const nlohmann::json& bridges, const std::string& name) {
    for (const auto& bridge : bridges)
      if (bridge["name"] == name) return bridge;
    static const nlohmann::json none;
    ADD_FAILURE() << "no bridge " << name << " in " << bridges.dump();
    return none;
  }

  policy::Policy policy_;
  core::ObservedState observed_;
  testing::ObservedBuilder links_{observed_};
  core::Decision decision_;
  core::Progress progress_;
  std::map<std::string, std::string> blocked_;
  EventLog events_;
  Metrics metrics_;
  ProbeManager probes_{loop_, clock_, nullptr, [] {}};
  RoleLog roles_{clock_, events_, metrics_, GetLogger("engine")};
  LiveNicWatch live_nics_{kernel_, clock_, events_, metrics_};
  int a_ = 0;
  int b_ = 0;
};

TEST_F(StatusViewTest, ABridgeShowsItsActivePortAndStandbyAndABlockedOneWhy) {
  blocked_["eth1"] = "the name eth1 is held by a link failoverd does not manage";
  const nlohmann::json bridges = View().Bridges();
  const nlohmann::json& eth0 = BridgeNamed(bridges, "eth0");
  EXPECT_EQ(eth0["state"], "up");
  EXPECT_EQ(eth0["active"], "hweth0");
  EXPECT_EQ(eth0["mac"], core::StableBridgeMac("id", "eth0").ToString());
  ASSERT_EQ(eth0["ports"].size(), 2u);
  EXPECT_EQ(eth0["ports"][0]["nic"], "hweth0");
  EXPECT_EQ(eth0["ports"][0]["role"], "active");
  EXPECT_EQ(eth0["ports"][0]["enslaved"], true);
  EXPECT_EQ(eth0["ports"][1]["nic"], "hweth1");
  EXPECT_EQ(eth0["ports"][1]["role"], "standby");
  EXPECT_EQ(eth0["ports"][1]["enslaved"], false);
  EXPECT_FALSE(eth0.contains("error"));
  const nlohmann::json& eth1 = BridgeNamed(bridges, "eth1");
  EXPECT_EQ(eth1["state"], "error");
  EXPECT_EQ(eth1["error"], "the name eth1 is held by a link failoverd does not manage");
  EXPECT_TRUE(eth1["active"].is_null());
}

TEST_F(StatusViewTest, AKernelErrorOfABridgeStepIsItsError) {
  progress_.bridge_failures["eth0"] = "update-bridge failed: eth0: update bridge: Numerical result out of range";
  EXPECT_EQ(BridgeNamed(View().Bridges(), "eth0")["error"],
            "update-bridge failed: eth0: update bridge: Numerical result out of range");
}

TEST_F(StatusViewTest, EachNicShowsItsLinkAndRole) {
  const nlohmann::json nics = View().Nics();
  ASSERT_EQ(nics.size(), 2u);
  EXPECT_EQ(nics[0]["name"], "hweth0");
  EXPECT_EQ(nics[0]["ifindex"], a_);
  EXPECT_EQ(nics[0]["mac"], kMacA);
  EXPECT_EQ(nics[0]["bridge"], "eth0");
  EXPECT_EQ(nics[0]["role"], "active");
  EXPECT_TRUE(nics[0]["seen"]["lldp"].is_null());
  EXPECT_EQ(nics[1]["name"], "hweth1");
  EXPECT_EQ(nics[1]["role"], "standby");
}

TEST_F(StatusViewTest, ProbeOfAnUnknownNicIsRefused) {
  EXPECT_EQ(View().Probe("hweth0")->at("nic"), "hweth0");
  const auto unknown = View().Probe("hweth9");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.message(), "no managed NIC named 'hweth9'");
}

}  // namespace
}  // namespace failoverd
