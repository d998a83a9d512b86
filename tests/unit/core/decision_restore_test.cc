// The rollback's one-shot hint (DecisionInput::restore_active): the recorded active
// port is put back over "the current active port keeps the job" and over the
// preference order, but only when that NIC may serve the bridge and is usable.
#include <gtest/gtest.h>

#include "failoverd/core/decision.h"
#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::core {
namespace {

using failoverd::testing::ActiveBackup;
using failoverd::testing::VethPolicy;
using failoverd::testing::kMacA;
using failoverd::testing::kMacB;

constexpr const char* kMacSpare = "02:00:00:00:09:09";
constexpr const char* kMacOther = "02:00:00:00:07:07";

class DecisionRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = links_.Add("hweth0", kMacA, true);
    b_ = links_.Add("hweth1", kMacB, true);
    br_ = links_.Add("eth0", "02:aa:00:00:00:01", true, "bridge");
    links_.Enslave(b_, br_);  // B is active (the unconfirmed policy made it so)
  }
  Decision Run(const policy::Policy& policy, const std::map<std::string, MacAddress>* hint) {
    return Decide({policy, observed_, remembered_, "machine-id-1", now_, nullptr, nullptr, hint});
  }

  ObservedState observed_;
  failoverd::testing::ObservedBuilder links_{observed_};
  std::map<MacAddress, std::string> remembered_;
  MonoTime now_ = MonoTime(std::chrono::hours(1));
  int a_ = 0, b_ = 0, br_ = 0;
};

TEST_F(DecisionRestoreTest, RecordedActivePortWinsOverTheWorkingCurrentOne) {
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});  // failback = never
  EXPECT_EQ(Run(policy, nullptr).FindBridge("eth0")->active, b_) << "without the hint B keeps the job";
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacA)}};
  const Decision d = Run(policy, &hint);
  EXPECT_EQ(d.FindBridge("eth0")->active, a_);
  EXPECT_NE(d.FindBridge("eth0")->reason.find("recorded before the apply"), std::string::npos) << d.FindBridge("eth0")->reason;
  EXPECT_EQ(d.FindNic(b_)->role, NicRole::kStandby);
}

TEST_F(DecisionRestoreTest, RecordedActivePortWinsOverThePreferenceOrder) {
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  policy.bridges[0].failback = policy::Failback::kPreferred;
  links_.Enslave(b_, 0);
  links_.Enslave(a_, br_);  // A active and first preferred; B was recorded
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacB)}};
  EXPECT_EQ(Run(policy, &hint).FindBridge("eth0")->active, b_);
}

TEST_F(DecisionRestoreTest, RecordedPortWithoutCarrierIsNotPutBack) {
  links_.SetCarrier(a_, false, now_);
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacA)}};
  const Decision d = Run(policy, &hint);
  EXPECT_EQ(d.FindBridge("eth0")->active, b_) << "the usual rules: the working current port keeps the job";
  EXPECT_EQ(d.FindBridge("eth0")->reason.find("recorded"), std::string::npos);
}

TEST_F(DecisionRestoreTest, RecordedPortMustStillBeAllowedToServe) {
  const int other = links_.Add("hweth2", kMacOther, true);
  auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  policy.bridges[0].spares = false;
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacOther)}};
  const Decision d = Run(policy, &hint);
  EXPECT_EQ(d.FindBridge("eth0")->active, b_) << "a NIC the policy does not let serve eth0 is not put back";
  EXPECT_EQ(d.FindNic(other)->role, NicRole::kSpare);
}

TEST_F(DecisionRestoreTest, RecordedSpareIsTakenWhenTheBridgeTakesSpares) {
  const int spare = links_.Add("hweth3", kMacSpare, true);
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});  // spares = true
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacSpare)}};
  const Decision d = Run(policy, &hint);
  EXPECT_EQ(d.FindBridge("eth0")->active, spare);
  EXPECT_EQ(d.FindNic(spare)->bridge, "eth0");
  EXPECT_EQ(d.FindNic(spare)->role, NicRole::kActive);
}

TEST_F(DecisionRestoreTest, ManualAttachStillWins) {
  const auto policy = VethPolicy({ActiveBackup("eth0", {kMacA, kMacB})});
  Overrides overrides;
  overrides.manual[*MacAddress::Parse(kMacB)] = "eth0";
  const std::map<std::string, MacAddress> hint = {{"eth0", *MacAddress::Parse(kMacA)}};
  const Decision d = Decide({policy, observed_, remembered_, "machine-id-1", now_, nullptr, &overrides, &hint});
  EXPECT_EQ(d.FindBridge("eth0")->active, b_) << "the administrator's attach is not the rollback's to undo";
}

}  // namespace
}  // namespace failoverd::core
