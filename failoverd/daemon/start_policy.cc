#include "failoverd/daemon/start_policy.h"

#include "failoverd/daemon/event_log.h"

namespace failoverd {

StartChoice ChooseStartPolicy(const StartFacts& facts) {
  StartChoice choice;
  const std::string saved = facts.last_good_saved_at.empty() ? "" : " (saved " + facts.last_good_saved_at + ")";
  if (!facts.file_valid) {
    if (!facts.last_good) {
      choice.message = "the policy is invalid and there is no last good policy to fall back to";
      return choice;
    }
    choice.kind = StartChoice::Kind::kLastGood;
    choice.fallback = "invalid";
    choice.message = "THE POLICY FILE IS INVALID: running the last good policy" + saved +
                     " instead. Fix the file (failoverd --check), then `failoverctl reload`";
    return choice;
  }
  if (!facts.last_good || *facts.last_good == facts.file_fingerprint) {
    choice.kind = StartChoice::Kind::kFile;
    return choice;
  }
  if (facts.declined_fingerprint == facts.file_fingerprint) {
    choice.kind = StartChoice::Kind::kLastGood;
    choice.fallback = "unconfirmed";
    choice.message = "the policy file changed since the last good start and was not confirmed" +
                     (facts.declined_at.empty() ? std::string() : " at " + facts.declined_at) +
                     ": running the last good policy" + saved + ". `failoverctl reload` tries the file again";
    return choice;
  }
  if (facts.pending_fingerprint == facts.file_fingerprint) {
    if (facts.pending_deadline > facts.now) {
      choice.kind = StartChoice::Kind::kFileWindow;
      choice.deadline = facts.pending_deadline;
      choice.message = "the changed policy's confirm window goes on: the last good policy" + saved + " comes back at " +
                       FormatRfc3339(choice.deadline) + " unless `failoverctl confirm` comes first";
      return choice;
    }
    choice.kind = StartChoice::Kind::kLastGood;
    choice.fallback = "unconfirmed";
    choice.message = "the changed policy was not confirmed before its deadline " + FormatRfc3339(facts.pending_deadline) +
                     ": running the last good policy" + saved + ". `failoverctl reload` tries the file again";
    return choice;
  }
  if (facts.start_confirm_s <= 0) {
    choice.kind = StartChoice::Kind::kFile;
    choice.message = "the policy file changed since the last good start; start_confirm_s = 0, so it runs without a "
                     "confirm window";
    return choice;
  }
  choice.kind = StartChoice::Kind::kFileWindow;
  choice.deadline = facts.now + std::chrono::seconds(facts.start_confirm_s);
  choice.message = "the policy file changed since the last good start" + saved +
                   ": it runs under a confirm window; the last good policy comes back at " +
                   FormatRfc3339(choice.deadline) + " unless `failoverctl confirm` comes first";
  return choice;
}

}  // namespace failoverd
