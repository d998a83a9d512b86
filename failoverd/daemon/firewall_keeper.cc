#include "failoverd/daemon/firewall_keeper.h"

namespace failoverd {

Status FirewallKeeper::Apply(const std::string& script) {
  Status applied = inner_.Apply(script);
  // Even a failed transaction may have been someone else's moment to commit; reading
  // back at the next check costs one listing.
  stale_ = true;
  return applied;
}

FirewallKeeper::Outcome FirewallKeeper::Keep(bool foreign, const firewall::TableSpec& spec) {
  Outcome outcome;
  if (!foreign && !stale_) return outcome;  // only our own commits, already read back
  auto now = inner_.ReadFingerprint();
  if (!now) {
    outcome.kind = Outcome::Kind::kUnreadable;
    outcome.error = now.message();
    return outcome;
  }
  if (stale_ && !foreign && !now->empty()) {
    // Our own commit, and nobody else's since: this is the table as failoverd wrote it.
    expected_ = *now;
    stale_ = false;
    return outcome;
  }
  // Someone else committed. With the table already read back, any difference is
  // theirs; with our own commit not yet read back, theirs cannot be told apart from
  // ours, so the table is put back whole all the same — and counted as a repair only
  // if that changed it.
  if (!stale_ && *now == expected_) return outcome;
  const bool unsure = stale_;
  outcome.what = now->empty() ? "flushed or deleted" : "changed";
  if (Status applied = Apply(firewall::TableScript(spec)); !applied) {
    outcome.kind = Outcome::Kind::kRepairFailed;
    outcome.error = applied.message();
    return outcome;
  }
  // Read back at once: the repair is our own commit, and a second report of the same
  // foreign commit must not count again.
  auto repaired = inner_.ReadFingerprint();
  if (repaired && !repaired->empty()) {
    expected_ = *repaired;
    stale_ = false;
  }
  if (unsure && repaired && *repaired == *now) return outcome;  // it was as we wrote it after all
  outcome.kind = Outcome::Kind::kRepaired;
  return outcome;
}

}  // namespace failoverd
