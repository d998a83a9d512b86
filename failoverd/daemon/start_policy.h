// Which policy failoverd starts with, so that a typo or an untested edit never leaves
// a reachable server unreachable after a reboot:
//   - the policy file is invalid: the last good policy (last_good.h), loudly; with
//     none (first start), failoverd refuses to start as before;
//   - the file is valid and the same as the last good one (or there is none yet): it;
//   - the file is valid but changed since the last good start (edited, then a
//     reboot): it, under a confirm window of start_confirm_s seconds, after which the
//     last good policy comes back unless `failoverctl confirm` came first. A window
//     left open by a daemon that stopped goes on at the next start (or, past its
//     deadline, counts as not confirmed); a policy that was not confirmed is not tried
//     again at the next start (the last good one runs) until a reload asks for it.
//     start_confirm_s = 0, or `failoverctl reload` before the reboot, skips the window.
// Pure: the caller reads the files and state.json.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace failoverd {

using WallTime = std::chrono::system_clock::time_point;

struct StartFacts {
  bool file_valid = false;
  std::string file_fingerprint;                 // of the file's policy and zones (when valid)
  std::optional<std::string> last_good;         // the last good policy's fingerprint, if there is one
  std::string last_good_saved_at;
  // state.json: a start window left open ("pending_start") and a policy not confirmed ("declined_start").
  std::optional<std::string> pending_fingerprint;
  WallTime pending_deadline{};
  std::optional<std::string> declined_fingerprint;
  std::string declined_at;
  int start_confirm_s = 0;  // of the file's policy
  WallTime now{};
};

struct StartChoice {
  enum class Kind {
    kFile,        // run the policy file
    kFileWindow,  // run the policy file until `deadline`, then the last good one unless confirmed
    kLastGood,    // run the last good policy (`fallback` says why)
    kRefuse,      // invalid, and no last good policy to run
  };
  Kind kind = Kind::kRefuse;
  WallTime deadline{};
  std::string fallback;  // "invalid" | "unconfirmed" for kLastGood
  std::string message;   // what to say in the log and events ("" for a plain start)
};

StartChoice ChooseStartPolicy(const StartFacts& facts);

}  // namespace failoverd
