// The last good policy: the last policy failoverd started with (or reloaded, or had
// confirmed) successfully, kept with the text of every zone it used, in
// STATE_DIR/last-good.json (written atomically). When the policy file is broken at
// start (a typo, a zone gone), failoverd runs this one instead and says so loudly; a
// valid policy that changed on disk since is started under a confirm window and
// goes back to this one unless confirmed (start_policy.h). Also the source of
// STATE_DIR/zero-phase.nft, the zero phase an early-boot unit can load.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "failoverd/common/status.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

// A policy as it was on disk: its file's text and the text of every zone it uses.
struct PolicyCopy {
  struct Zone {
    std::string name;  // the zone ("lan")
    std::string text;  // its file's text (or the built-in one's)
    bool operator==(const Zone&) const = default;
  };
  std::string file;                    // where the policy was read from
  std::string text;                    // its text
  std::map<std::string, Zone> zones;   // by bridge or [[interface]] name
  bool operator==(const PolicyCopy&) const = default;

  // Identifies the texts (FNV-1a 64 over policy and zones, hex): equal copies, equal prints.
  std::string Fingerprint() const;
};

// Reads the text of `file` and of the zone of every bridge and [[interface]] of
// `policy` (parsed from that text), as LoadZone would find them.
Result<PolicyCopy> CopyPolicy(const std::string& file, const policy::Policy& policy);

// What a copy stands for: its policy (parsed from the copied text; messages name
// `label`) and its zones as fragments by bridge or interface, to be pinned so that no
// zone file is read again.
struct CopiedPolicy {
  policy::Policy policy;
  std::map<std::string, firewall::ZoneFragment> zones;
};
Result<CopiedPolicy> Restore(const PolicyCopy& copy, const std::string& label);

class LastGood {
 public:
  explicit LastGood(std::string state_dir) : state_dir_(std::move(state_dir)) {}

  struct Saved {
    PolicyCopy copy;
    std::string saved_at;  // RFC 3339
  };
  // nullopt when there is none (no successful start yet); an error when the file is unreadable.
  Result<std::optional<Saved>> Load() const;
  Status Save(const PolicyCopy& copy, std::chrono::system_clock::time_point at) const;
  std::string path() const { return state_dir_ + "/last-good.json"; }
  // STATE_DIR/zero-phase.nft: the zero phase an early-boot unit loads before failoverd runs.
  std::string zero_phase_path() const { return state_dir_ + "/zero-phase.nft"; }

 private:
  std::string state_dir_;
};

// Where the policy at `path` keeps its state when it cannot be parsed: its
// [daemon] state_dir if a line of that section still says so, else the default.
std::string StateDirOfBrokenPolicy(const std::string& path);

}  // namespace failoverd
