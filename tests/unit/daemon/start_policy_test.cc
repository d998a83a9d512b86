// Which policy failoverd starts with (start_policy.h): the file, the last good one, or
// the file under a confirm window.
#include "failoverd/daemon/start_policy.h"

#include <gtest/gtest.h>

namespace failoverd {
namespace {

using Kind = StartChoice::Kind;

StartFacts Facts() {
  StartFacts facts;
  facts.file_valid = true;
  facts.file_fingerprint = "new";
  facts.last_good = "old";
  facts.last_good_saved_at = "2026-12-01T10:00:00.000Z";
  facts.start_confirm_s = 600;
  facts.now = WallTime(std::chrono::seconds(1'800'000'000));
  return facts;
}

TEST(StartPolicyTest, InvalidFileRunsTheLastGoodOneLoudly) {
  StartFacts facts = Facts();
  facts.file_valid = false;
  const StartChoice choice = ChooseStartPolicy(facts);
  EXPECT_EQ(choice.kind, Kind::kLastGood);
  EXPECT_EQ(choice.fallback, "invalid");
  EXPECT_NE(choice.message.find("THE POLICY FILE IS INVALID: running the last good policy (saved 2026-12-01T10:00:00.000Z)"),
            std::string::npos)
      << choice.message;
}

TEST(StartPolicyTest, InvalidFileWithoutALastGoodOneIsRefused) {
  StartFacts facts = Facts();
  facts.file_valid = false;
  facts.last_good.reset();
  EXPECT_EQ(ChooseStartPolicy(facts).kind, Kind::kRefuse);
}

TEST(StartPolicyTest, FirstStartAndUnchangedPolicyRunTheFile) {
  StartFacts facts = Facts();
  facts.last_good.reset();
  EXPECT_EQ(ChooseStartPolicy(facts).kind, Kind::kFile);
  facts = Facts();
  facts.last_good = "new";
  const StartChoice same = ChooseStartPolicy(facts);
  EXPECT_EQ(same.kind, Kind::kFile);
  EXPECT_TRUE(same.message.empty());
}

TEST(StartPolicyTest, ChangedPolicyRunsUnderAWindow) {
  const StartChoice choice = ChooseStartPolicy(Facts());
  EXPECT_EQ(choice.kind, Kind::kFileWindow);
  EXPECT_EQ(choice.deadline, Facts().now + std::chrono::seconds(600));
  EXPECT_NE(choice.message.find("unless `failoverctl confirm` comes first"), std::string::npos);
}

TEST(StartPolicyTest, NoWindowWhenSwitchedOff) {
  StartFacts facts = Facts();
  facts.start_confirm_s = 0;
  EXPECT_EQ(ChooseStartPolicy(facts).kind, Kind::kFile);
}

TEST(StartPolicyTest, AWindowLeftOpenGoesOnOrHasRunOut) {
  StartFacts facts = Facts();
  facts.pending_fingerprint = "new";
  facts.pending_deadline = facts.now + std::chrono::seconds(42);
  StartChoice choice = ChooseStartPolicy(facts);
  EXPECT_EQ(choice.kind, Kind::kFileWindow);
  EXPECT_EQ(choice.deadline, facts.pending_deadline) << "a restart must not stretch the window";

  facts.pending_deadline = facts.now - std::chrono::seconds(1);
  choice = ChooseStartPolicy(facts);
  EXPECT_EQ(choice.kind, Kind::kLastGood);
  EXPECT_EQ(choice.fallback, "unconfirmed");

  // A window of another policy (edited again since) is not this one's.
  facts.pending_fingerprint = "older";
  EXPECT_EQ(ChooseStartPolicy(facts).kind, Kind::kFileWindow);
}

TEST(StartPolicyTest, APolicyThatWasNotConfirmedIsNotTriedAgainByItself) {
  StartFacts facts = Facts();
  facts.declined_fingerprint = "new";
  facts.declined_at = "2026-12-02T10:00:00.000Z";
  const StartChoice choice = ChooseStartPolicy(facts);
  EXPECT_EQ(choice.kind, Kind::kLastGood);
  EXPECT_EQ(choice.fallback, "unconfirmed");
  EXPECT_NE(choice.message.find("was not confirmed at 2026-12-02T10:00:00.000Z"), std::string::npos);
  EXPECT_NE(choice.message.find("`failoverctl reload` tries the file again"), std::string::npos);
  // Edited again: a new try, under a window.
  facts.file_fingerprint = "newer";
  EXPECT_EQ(ChooseStartPolicy(facts).kind, Kind::kFileWindow);
}

}  // namespace
}  // namespace failoverd
