// Policy changes while running: reload (SIGHUP, `failoverctl reload`), apply and
// its confirm. A new policy is checked whole first (syntax, zones, the kernel's view
// of every zone script); only then is the difference carried out, so a refused
// policy leaves everything as it was.
#include <algorithm>

#include "failoverd/common/file_read.h"
#include "failoverd/core/policy_diff.h"
#include "failoverd/daemon/apply_snapshot_json.h"
#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/policy_checks.h"
#include "failoverd/runtime/atomic_file.h"
#include "policy/policy_parser.h"

namespace failoverd {

namespace {

std::string JoinErrors(const std::vector<policy::Diagnostic>& errors) {
  std::string text;
  for (const auto& error : errors) text += error.ToString() + "\n";
  return text;
}

bool SameZone(const firewall::ZoneFragment& a, const firewall::ZoneFragment& b) {
  return a.name == b.name && a.input_rules == b.input_rules && a.forward_rules == b.forward_rules;
}

}  // namespace

Result<nlohmann::json> Daemon::Reload(const PolicyGuardRequest& guard) {
  if (policy_path_.empty()) return Status::Error("this daemon was started without a policy file to re-read");
  const auto parsed = policy::ParsePolicyFile(policy_path_);
  if (!parsed.policy)
    return Status::Error(JoinErrors(parsed.errors) + "policy refused; the running policy stays in force");
  if (Status safe = GuardPolicy(*parsed.policy, guard, policy_path_, /*reload=*/true); !safe)
    return Status::Error(safe.message() + "; the running policy stays in force");
  auto applied = ApplyPolicy(*parsed.policy);
  if (applied) ReloadedFromFile();
  return applied;
}

void Daemon::ReloadedFromFile() {
  // The file runs now, as the administrator asked: no fallback, no start window.
  if (!origin_.fallback.empty()) {
    events_.Add(clock_.WallNow(), "policy", "the policy file runs again (it was the last good policy: " +
                                               origin_.fallback + ")");
    origin_.fallback.clear();
    origin_.message.clear();
    origin_.pinned_zones.clear();
  }
  if (windows_.Close(kStartWindow)) state_.SetSection("pending_start", nullptr);
  if (!pending_apply_) RecordLastGood("reloaded");
}

Result<nlohmann::json> Daemon::ApplyPolicy(policy::Policy next,
                                           std::map<std::string, firewall::ZoneFragment> recorded_zones) {
  // Every zone must load, and nftables must accept its rules, before anything changes.
  PolicyCheck checked = CheckPolicyOnHost(next, &firewall_, recorded_zones);
  // A new bridge whose name a device failoverd cannot take holds (a running bridge's
  // name is left to status: refusing it would refuse every reload until it is free).
  for (const auto& bridge : next.bridges)
    if (!policy_.FindBridge(bridge.name))
      if (std::string problem = NameHeldProblem(next, bridge, observed_.FindByName(bridge.name)); !problem.empty())
        checked.errors.push_back(problem);
  if (!checked.ok()) return Status::Error(checked.Text() + "policy refused; the running policy stays in force");
  std::map<std::string, firewall::ZoneFragment>& zones = checked.zones;

  const core::PolicyDiff diff = core::DiffPolicy(policy_, next, [&](const std::string& bridge) {
    auto installed = executor_.installed_zones().find(bridge);
    return installed == executor_.installed_zones().end() || !SameZone(installed->second, zones[bridge]);
  });
  for (const auto& name : diff.retired) progress_.retired_bridges.insert(name);
  for (const auto& bridge : next.bridges) progress_.retired_bridges.erase(bridge.name);  // back: kept
  for (const auto& name : diff.rezoned) progress_.zoned_bridges.erase(name);  // reinstalled in one transaction
  for (const auto& [name, stale] : diff.readdressed) {
    progress_.configured_bridges.erase(name);
    if (!stale.addresses.empty()) progress_.stale_addresses[name] = stale.addresses;
    if (stale.gateway) progress_.stale_gateways[name] = *stale.gateway;
  }
  for (const auto& name : diff.updated) progress_.bridges_to_update.insert(name);
  // A zone that failed with the old policy is tried again with the new one.
  progress_.bridge_errors.clear();
  progress_.bridge_failures.clear();
  const std::vector<std::string>& changes = diff.changes;
  const std::vector<std::string>& restart = diff.needs_restart;

  policy_ = std::move(next);
  executor_.SetPinnedZones(std::move(recorded_zones));
  interface_zones_.Sync(policy_, zones);
  // A reload judges every NIC again: [nics] may select others now, and a NIC left
  // alone may have been given up by whoever configured it.
  std::set<int> all;
  for (const auto& [ifindex, link] : observed_.links()) all.insert(ifindex);
  live_nics_.Judge(policy_, observed_, std::move(all));
  decision_ = DecideNow();  // nothing may keep pointing into the old policy
  const std::string summary = "policy applied: " + std::to_string(changes.size()) + " change(s)" +
                              (restart.empty() ? "" : "; needs a restart to take effect: " + restart.front() +
                                                          (restart.size() > 1 ? " and more" : ""));
  log_->info("{}", summary);
  for (const auto& change : changes) log_->info("  {}", change);
  events_.Add(clock_.WallNow(), "policy", summary);
  Reconcile();
  return nlohmann::json{{"message", summary}, {"changes", changes}, {"needs_restart", restart}};
}

Result<nlohmann::json> Daemon::ApplyFile(const std::string& file, int confirm_seconds,
                                         const PolicyGuardRequest& guard) {
  if (const ConfirmWindows::Window* window = windows_.Find(kApplyWindow); pending_apply_ && window)
    return Status::Error("an apply of " + pending_apply_->file + " is waiting for `failoverctl confirm` until " +
                         FormatRfc3339(window->deadline) + "; confirm it or let it roll back first");
  if (policy_path_.empty()) return Status::Error("this daemon was started without a policy file to replace");
  auto text = ReadRegularFile(file, kMaxConfigFileBytes);
  if (!text)
    return Status::Error("cannot read " + text.message() +
                         " (failoverd reads the file itself; under its systemd unit /tmp and /home are private: "
                         "put the file under /etc/failoverd or /var/lib/failoverd)");
  const auto parsed = policy::ParsePolicyText(*text, file);
  if (!parsed.policy) return Status::Error(JoinErrors(parsed.errors) + "policy refused; nothing was changed");
  if (Status safe = GuardPolicy(*parsed.policy, guard, file); !safe) return safe;
  auto previous = ReadWholeFile(policy_path_);
  if (!previous) return Status::Error("cannot read the current policy " + policy_path_ + ": " + previous.message());
  if (confirm_seconds > 0 && parsed.policy->daemon.state_dir != policy_.daemon.state_dir)
    return Status::Error("refused: the rollback point of `apply --confirm` lives in state_dir, which this policy "
                         "changes; apply it without --confirm, or change state_dir by hand and restart");

  if (confirm_seconds > 0) {
    // The state the running policy produced, which a rollback returns to exactly.
    auto recorded = Snapshot();
    if (!recorded)
      return Status::Error("cannot record the state to roll back to: " + recorded.message() + "; nothing was changed");
    // Recorded before the policy file changes: a crash from here on rolls back at the next start.
    // The window counts from the moment its deadline is recorded, not from the end of the apply.
    pending_apply_ = PendingApply{*previous, file, *recorded};
    windows_.Open(kApplyWindow, confirm_seconds, [this, confirm_seconds] {
      (void)RestorePreviousPolicy("not confirmed within " + std::to_string(confirm_seconds) + " s");
    });
    state_.SetSection("pending_apply", {{"file", file},
                                        {"deadline", FormatRfc3339(windows_.Find(kApplyWindow)->deadline)},
                                        {"previous_policy", *previous},
                                        {"applied_policy", *text},
                                        {"recorded_state", SnapshotToJson(*recorded)}});
    if (Status saved = state_.Save(); !saved) {
      pending_apply_.reset();
      windows_.Close(kApplyWindow);
      state_.SetSection("pending_apply", nullptr);
      return Status::Error("cannot record the rollback point in " + state_.path() + ": " + saved.message());
    }
  }
  if (Status written = WriteFileAtomically(policy_path_, *text); !written) {
    if (pending_apply_) {
      pending_apply_.reset();
      windows_.Close(kApplyWindow);
      state_.SetSection("pending_apply", nullptr);
      SaveState();
    }
    return Status::Error("cannot install the new policy as " + policy_path_ + ": " + written.message());
  }
  auto applied = ApplyPolicy(*parsed.policy);
  if (!applied) {
    // The zones did not pass: the old policy stays, and so does the old file.
    (void)WriteFileAtomically(policy_path_, *previous);
    if (pending_apply_) {
      pending_apply_.reset();
      windows_.Close(kApplyWindow);
      state_.SetSection("pending_apply", nullptr);
      SaveState();
    }
    return applied.status();
  }
  nlohmann::json result = *applied;
  if (const ConfirmWindows::Window* window = windows_.Find(kApplyWindow); confirm_seconds > 0 && window) {
    const std::string message = "applied " + file + "; rolled back at " + FormatRfc3339(window->deadline) +
                                " unless `failoverctl confirm` comes first";
    events_.Add(clock_.WallNow(), "policy", message);
    result["message"] = message + " (" + result["message"].get<std::string>() + ")";
    result["confirm_deadline"] = FormatRfc3339(window->deadline);
  } else {
    events_.Add(clock_.WallNow(), "policy", "applied " + file);
  }
  ReloadedFromFile();
  return result;
}

std::optional<std::string> Daemon::ConfirmApply() {
  if (!pending_apply_) return std::nullopt;
  windows_.Close(kApplyWindow);
  const std::string message = "apply of " + pending_apply_->file + " confirmed";
  pending_apply_.reset();
  state_.SetSection("pending_apply", nullptr);
  SaveState();
  ReloadedFromFile();
  events_.Add(clock_.WallNow(), "policy", message);
  log_->info("{}", message);
  return message;
}

}  // namespace failoverd
