// The rollback of an `apply --confirm` that was not confirmed: at the deadline, or
// at the next start when the daemon was restarted or killed inside the window.
// The previous policy comes back, and with it what the policy alone would not
// reproduce but the apply recorded (apply_snapshot.h): the zone rules as they were
// installed (a zone file may have been edited since), each bridge's active port
// (the unconfirmed policy may have made another NIC active, and "a working active
// NIC keeps the job" would keep it) and the NICs' names. Then the state is taken
// again and compared with the record, and the outcome is logged and recorded.
#include <algorithm>

#include "failoverd/daemon/apply_snapshot_json.h"
#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"
#include "policy/policy_parser.h"

namespace failoverd {

namespace {

std::string JoinErrors(const std::vector<policy::Diagnostic>& errors) {
  std::string text;
  for (const auto& error : errors) text += error.ToString() + "\n";
  return text;
}

// The addresses and default routes `unconfirmed` puts on the bridges `previous`
// keeps and `previous` does not (what ApplyPolicy marks stale when it goes back).
void FindLeftovers(const policy::Policy& unconfirmed, const policy::Policy& previous, StartupRollback& out) {
  for (const auto& bridge : previous.bridges) {
    const policy::Bridge* added = unconfirmed.FindBridge(bridge.name);
    if (!added) continue;
    for (const auto& address : added->addresses)
      if (std::find(bridge.addresses.begin(), bridge.addresses.end(), address) == bridge.addresses.end())
        out.stale_addresses[bridge.name].push_back(address);
    if (added->gateway && added->gateway != bridge.gateway) out.stale_gateways[bridge.name] = *added->gateway;
  }
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "; ") + line;
  return text;
}

}  // namespace

Status Daemon::RestorePreviousPolicy(const std::string& why) {
  const MonoTime started = clock_.Now();
  const PendingApply pending = *pending_apply_;
  const auto parsed = policy::ParsePolicyText(pending.previous_text, policy_path_);
  Status status = Status::Ok();
  if (Status written = WriteFileAtomically(policy_path_, pending.previous_text); !written)
    status = Status::Error("cannot write back " + policy_path_ + ": " + written.message());
  if (!parsed.policy) {
    status = Status::Error("the previous policy no longer parses: " + JoinErrors(parsed.errors));
  } else {
    PrepareExactRestore(pending.recorded);
    if (auto applied = ApplyPolicy(*parsed.policy, pending.recorded.Zones()); !applied) status = applied.status();
  }
  pending_apply_.reset();
  state_.SetSection("pending_apply", nullptr);
  SaveState();
  const std::string message = "apply of " + pending.file + " rolled back: " + why +
                              (status ? "" : "; rollback incomplete: " + status.message());
  events_.Add(clock_.WallNow(), "policy", message);
  if (status) log_->warn("{}", message);
  else log_->error("{}", message);
  if (parsed.policy) FinishExactRestore(pending.recorded, pending.file, started);
  return status;
}

void Daemon::SetStartupRollback(const StartupRollback& rollback) {
  for (const auto& [bridge, addresses] : rollback.stale_addresses) progress_.stale_addresses[bridge] = addresses;
  for (const auto& [bridge, gateway] : rollback.stale_gateways) progress_.stale_gateways[bridge] = gateway;
  if (rollback.recorded) startup_restore_ = StartupRestore{*rollback.recorded, rollback.file};
}

std::set<std::string> Daemon::SnapshotBridges() const {
  std::set<std::string> names = progress_.retired_bridges;
  for (const auto& bridge : policy_.bridges) names.insert(bridge.name);
  for (const auto& [bridge, zone] : executor_.installed_zones()) names.insert(bridge);
  return names;
}

Result<ApplySnapshot> Daemon::Snapshot() const {
  return TakeSnapshot({observed_, decision_, executor_.installed_zones(), SnapshotBridges()}, kernel_);
}

void Daemon::PrepareExactRestore(const ApplySnapshot& recorded) {
  // A remembered NIC gets its remembered name back (NameAllocator), so this renames
  // back any NIC the unconfirmed policy renamed.
  for (const auto& [identity, name] : recorded.names) state_.SetName(identity, name);
  restore_active_ = recorded.ActivePorts();
  executor_.SetPinnedZones(recorded.Zones());
}

void Daemon::FinishExactRestore(const ApplySnapshot& recorded, const std::string& file, MonoTime started) {
  // One-shot: from here on the usual rules keep the restored ports where they are.
  restore_active_.clear();
  std::vector<std::string> differences;
  if (auto now = Snapshot(); now) differences = SnapshotDifferences(recorded, *now);
  else differences.push_back("the state cannot be read back: " + now.message());
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started).count();
  std::string message = "apply of " + file + ": rollback complete in " + std::to_string(ms) + " ms: ";
  if (differences.empty())
    message += "state identical to the one recorded at apply";
  else
    message += std::to_string(differences.size()) + " difference(s) from the state recorded at apply: " +
               Joined(differences);
  metrics_.last_rollback_seconds = static_cast<double>(ms) / 1000.0;
  last_rollback_ = RollbackReport{clock_.WallNow(), file, ms, differences};
  events_.Add(clock_.WallNow(), "policy", message);
  if (differences.empty()) log_->info("{}", message);
  else log_->error("{}", message);
}

StartupRollback UndoUnconfirmedApply(const std::string& policy_path, policy::Policy parsed) {
  StartupRollback result{std::move(parsed), "", "", std::nullopt, {}, {}};
  StateStore state(result.policy.daemon.state_dir);
  if (!state.Load()) return result;  // the daemon reports an unreadable state file
  const nlohmann::json pending = state.Section("pending_apply");  // a copy: may be cleared below
  if (!pending.is_object()) return result;
  const auto file = pending.find("file");
  result.file = file != pending.end() && file->is_string() ? file->get<std::string>() : "?";
  const auto previous = pending.find("previous_policy");
  if (previous == pending.end() || !previous->is_string()) {
    result.message = "state.json held an unreadable pending apply of " + result.file + "; it was dropped";
  } else {
    const std::string text = previous->get<std::string>();
    const auto reparsed = policy::ParsePolicyText(text, policy_path);
    result.message = "apply of " + result.file + " rolled back at start: failoverd restarted before `failoverctl confirm`";
    if (!reparsed.policy) {
      result.message += "; but the previous policy does not parse, so the current one stays: " + JoinErrors(reparsed.errors);
    } else {
      if (Status written = WriteFileAtomically(policy_path, text); !written)
        result.message += "; cannot write back " + policy_path + " (" + written.message() +
                          "), running the previous policy anyway";
      // What the unconfirmed policy added goes: it is read from the record (the policy
      // file may already be the previous one again, after a crash during this restore).
      const auto applied = pending.find("applied_policy");
      const auto unconfirmed = applied != pending.end() && applied->is_string()
                                   ? policy::ParsePolicyText(applied->get<std::string>(), result.file).policy
                                   : std::optional<policy::Policy>(result.policy);
      if (unconfirmed) FindLeftovers(*unconfirmed, *reparsed.policy, result);
      result.policy = *reparsed.policy;
      // A pending apply recorded before the state was (older failoverd) restores the policy alone.
      if (const auto recorded = pending.find("recorded_state"); recorded != pending.end()) {
        auto snapshot = SnapshotFromJson(*recorded);
        if (snapshot) result.recorded = *snapshot;
        else result.message += "; the state recorded at the apply cannot be read (" + snapshot.message() +
                               "), so only the policy is restored";
      }
    }
  }
  // With a recorded state the daemon clears the pending apply once it has restored it.
  if (!result.recorded) {
    state.SetSection("pending_apply", nullptr);
    if (Status saved = state.Save(); !saved) result.message += "; cannot save " + state.path() + ": " + saved.message();
  }
  return result;
}

nlohmann::json Daemon::PendingApplyJson() const {
  const ConfirmWindows::Window* window = windows_.Find(kApplyWindow);
  if (!pending_apply_ || !window) return nullptr;
  nlohmann::json json = windows_.Json(*window);
  json["file"] = pending_apply_->file;
  return json;
}

nlohmann::json Daemon::LastRollbackJson() const {
  if (!last_rollback_) return nullptr;
  return {{"file", last_rollback_->file},
          {"at", FormatRfc3339(last_rollback_->at)},
          {"ms", last_rollback_->ms},
          {"identical", last_rollback_->differences.empty()},
          {"differences", last_rollback_->differences}};
}

}  // namespace failoverd
