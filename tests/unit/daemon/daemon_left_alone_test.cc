// A live NIC (someone's address or route on it) is left alone: not renamed,
// stripped or made a port, at start, at hot-plug and at reload; status says why,
// the log says it once, and it is counted (issue 14 point 1).
#include <gtest/gtest.h>

#include <fstream>

#include "failoverd/daemon/daemon.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using failoverd::testing::kMacA;

constexpr const char* kMacLive = "02:00:00:00:09:09";

class LeftAloneTest : public testing::DaemonTestBase {
 protected:
  policy::Policy Policy() {
    // The live NIC's MAC is mistyped in the ports: no bridge selects it.
    auto policy = testing::VethPolicy({testing::ActiveBackup("lan0", {kMacA, "02:00:00:00:09:0f"}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    return policy;
  }
  void Start() {
    daemon_ = std::make_unique<Daemon>(Policy(), "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
  }
  int AddLiveNic(const std::string& name) {
    const int ifindex = kernel_.AddNic(name, kMacLive);
    kernel_.addresses[ifindex] = {"192.0.2.10/24", "fe80::1/64"};
    kernel_.default_routes.push_back({ifindex, IpAddress::Parse("192.0.2.1")});
    return ifindex;
  }
  // Whether any kernel call names `name` as a word.
  bool Touched(const std::string& name) const {
    for (const auto& call : kernel_.calls())
      if ((" " + call + " ").find(" " + name + " ") != std::string::npos) return true;
    for (const auto& prepared : kernel_.prepared)
      if (prepared == name) return true;
    return false;
  }
  std::string StatusText() const { return daemon_->StatusJson().dump(); }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(LeftAloneTest, LiveNicIsLeftAloneAtStart) {
  const int a = kernel_.AddNic("ens1", kMacA);
  const int live = AddLiveNic("eth0");
  Start();
  EXPECT_EQ(kernel_.link(live).name, "eth0");
  EXPECT_FALSE(Touched("eth0")) << ::testing::PrintToString(kernel_.calls()) << ::testing::PrintToString(kernel_.prepared);
  EXPECT_EQ(kernel_.addresses[live].size(), 2u);
  EXPECT_EQ(kernel_.link(a).name, "hweth0");  // the rest works as usual
  const nlohmann::json left = daemon_->StatusJson()["left_alone"];
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["name"], "eth0");
  EXPECT_EQ(left[0]["reason"],
            "left alone: carries 192.0.2.10/24 and the default route via 192.0.2.1; add a bridge named eth0 to the "
            "policy and run `failoverd --migrate` to convert it");
  EXPECT_NE(daemon_->MetricsText().find("failoverd_nics_left_alone 1\n"), std::string::npos);
  // Also among the NICs, with its own role and the reason.
  bool listed = false;
  const nlohmann::json status = daemon_->StatusJson();
  for (const auto& nic : status["nics"])
    if (nic["name"] == "eth0") {
      listed = true;
      EXPECT_EQ(nic["role"], "left-alone");
      EXPECT_TRUE(nic["bridge"].is_null());
      EXPECT_NE(nic["reason"].get<std::string>().find("left alone: carries 192.0.2.10/24"), std::string::npos);
    }
  EXPECT_TRUE(listed);
  EXPECT_NE(daemon_->MetricsText().find("failoverd_nics_left_alone_total 1\n"), std::string::npos);
  // Judged once: later re-reads neither log nor count it again.
  daemon_->Resync();
  daemon_->Resync();
  EXPECT_NE(daemon_->MetricsText().find("failoverd_nics_left_alone_total 1\n"), std::string::npos);
  EXPECT_EQ(daemon_->events().ToJson().dump().find("left alone"), daemon_->events().ToJson().dump().rfind("left alone"));
}

TEST_F(LeftAloneTest, HotPluggedLiveNicIsLeftAloneAndAFreshOneIsTaken) {
  kernel_.AddNic("ens1", kMacA);
  Start();
  const int live = AddLiveNic("ens9");
  daemon_->Resync();
  EXPECT_EQ(kernel_.link(live).name, "ens9");
  EXPECT_FALSE(Touched("ens9"));
  const int fresh = kernel_.AddNic("ens8", "02:00:00:00:08:08");
  daemon_->Resync();
  EXPECT_EQ(kernel_.link(fresh).name, "hweth1");
  // The address goes later: still left alone until the next reload (or a re-plug).
  kernel_.addresses.erase(live);
  kernel_.default_routes.clear();
  daemon_->Resync();
  EXPECT_EQ(kernel_.link(live).name, "ens9");
}

TEST_F(LeftAloneTest, ReloadJudgesAgain) {
  kernel_.AddNic("ens1", kMacA);
  const int live = AddLiveNic("eth0");
  const std::string path = temp_.path() + "/policy.toml";
  std::ofstream(path) << "[daemon]\nstate_dir = \"" << state_dir_ << "\"\nzones_dir = \"" FAILOVERD_SOURCE_DIR
                      << "/firewall/zones\"\nudev_source = \"kernel\"\n[nics]\ninclude = [\"kind:veth\"]\n"
                      << "[[bridge]]\nname = \"lan0\"\naddress = [\"192.0.2.9/24\"]\nports = [{ mac = \"" << kMacA
                      << "\" }]\n";
  Start();
  daemon_->SetPolicyPath(path);
  EXPECT_EQ(daemon_->left_alone().size(), 1u);
  // Whoever configured it gave it up; a reload takes it.
  kernel_.addresses.erase(live);
  kernel_.default_routes.clear();
  ASSERT_TRUE(daemon_->Reload()) << "reload refused";
  EXPECT_TRUE(daemon_->left_alone().empty());
  EXPECT_EQ(kernel_.link(live).name.rfind("hweth", 0), 0u);
}

TEST_F(LeftAloneTest, UnreadableConfigurationLeavesTheNicAloneUntilItCanBeRead) {
  kernel_.AddNic("ens1", kMacA);
  Start();
  kernel_.FailNext("live");
  const int nic = kernel_.AddNic("ens7", "02:00:00:00:07:07");
  daemon_->Resync();
  EXPECT_EQ(kernel_.link(nic).name, "ens7");
  EXPECT_NE(StatusText().find("could not be read"), std::string::npos);
  daemon_->Resync();  // readable now, and it carries nothing: taken
  EXPECT_EQ(kernel_.link(nic).name, "hweth1");
  EXPECT_TRUE(daemon_->left_alone().empty());
}

}  // namespace
}  // namespace failoverd
