// Policy changes while running: reload (SIGHUP, `failoverctl reload`), apply and
// its confirm. A new policy is checked whole first (syntax, zones, the kernel's view
// of every zone script); only then is the difference carried out, so a refused
// policy leaves everything as it was.
#include <algorithm>

#include "failoverd/common/file_read.h"
#include "failoverd/daemon/apply_snapshot_json.h"
#include "failoverd/daemon/atomic_file.h"
#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/policy_checks.h"
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

bool SameMacRule(const policy::MacRule& a, const policy::MacRule& b) {
  return a.kind == b.kind && (a.kind != policy::MacRule::Kind::kExplicit || a.value == b.value);
}

std::string SelectorsText(const std::vector<policy::NicSelector>& selectors) {
  std::string text;
  for (const auto& selector : selectors) text += std::string(policy::ToString(selector.kind)) + "=" + selector.pattern + ";";
  return text;
}

std::string IdentifyText(const policy::Identify& identify) {
  return identify.lldp_chassis.value_or("") + "|" + identify.lldp_port.value_or("") + "|" +
         identify.lldp_system.value_or("") + "|" + (identify.arp_target ? identify.arp_target->ToString() : "") + "|" +
         (identify.ra_prefix ? identify.ra_prefix->ToString() : "") + "|" + policy::ToString(identify.require);
}

std::vector<IpPrefix> Missing(const std::vector<IpPrefix>& from, const std::vector<IpPrefix>& in) {
  std::vector<IpPrefix> out;
  for (const auto& prefix : from)
    if (std::find(in.begin(), in.end(), prefix) == in.end()) out.push_back(prefix);
  return out;
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
  if (origin_.window_deadline) {
    if (start_window_timer_) loop_.CancelTimer(*start_window_timer_);
    start_window_timer_.reset();
    origin_.window_deadline.reset();
    state_.SetSection("pending_start", nullptr);
  }
  if (!pending_apply_) RecordLastGood("reloaded");
}

Result<nlohmann::json> Daemon::ApplyPolicy(policy::Policy next,
                                           std::map<std::string, firewall::ZoneFragment> recorded_zones) {
  // Every zone must load, and nftables must accept its rules, before anything changes.
  PolicyCheck checked = CheckPolicyOnHost(next, &firewall_, recorded_zones);
  if (!checked.ok()) return Status::Error(checked.Text() + "policy refused; the running policy stays in force");
  std::map<std::string, firewall::ZoneFragment>& zones = checked.zones;

  std::vector<std::string> changes;
  std::vector<std::string> restart;
  for (const auto& old : policy_.bridges) {
    if (next.FindBridge(old.name)) continue;
    progress_.retired_bridges.insert(old.name);
    changes.push_back(old.name + ": no longer in the policy: its NICs are released, the bridge and its zone deleted");
  }
  for (const auto& bridge : next.bridges) {
    const policy::Bridge* old = policy_.FindBridge(bridge.name);
    progress_.retired_bridges.erase(bridge.name);
    if (!old) {
      changes.push_back(bridge.name + ": new: created with zone " + bridge.zone);
      continue;
    }
    auto installed = executor_.installed_zones().find(bridge.name);
    if (installed == executor_.installed_zones().end() || !SameZone(installed->second, zones[bridge.name])) {
      progress_.zoned_bridges.erase(bridge.name);  // reinstalled in one transaction
      changes.push_back(bridge.name + ": zone " + (old->zone == bridge.zone ? bridge.zone + " changed" : old->zone + " -> " + bridge.zone) +
                        ", replaced atomically");
    }
    const std::vector<IpPrefix> stale = Missing(old->addresses, bridge.addresses);
    const bool added = !Missing(bridge.addresses, old->addresses).empty();
    if (!stale.empty() || added || old->gateway != bridge.gateway) {
      progress_.configured_bridges.erase(bridge.name);
      if (!stale.empty()) progress_.stale_addresses[bridge.name] = stale;
      if (old->gateway && old->gateway != bridge.gateway) progress_.stale_gateways[bridge.name] = *old->gateway;
      changes.push_back(bridge.name + ": addresses or gateway changed");
    }
    if (!SameMacRule(old->mac, bridge.mac) || old->stp != bridge.stp || old->forward_delay_s != bridge.forward_delay_s) {
      progress_.bridges_to_update.insert(bridge.name);
      changes.push_back(bridge.name + ": MAC, STP or forward delay changed");
    }
    if (old->mode != bridge.mode)
      changes.push_back(bridge.name + ": mode " + policy::ToString(old->mode) + " -> " + policy::ToString(bridge.mode));
    // Decide re-evaluates these on its own; listed so the administrator sees them taken.
    if (SelectorsText(old->ports) != SelectorsText(bridge.ports) || old->spares != bridge.spares ||
        old->failback != bridge.failback)
      changes.push_back(bridge.name + ": ports, spares or failback changed: re-evaluated (a working active NIC "
                        "keeps the job unless the policy no longer allows it)");
    if (IdentifyText(old->identify) != IdentifyText(bridge.identify))
      changes.push_back(bridge.name + ": identify keys changed: NICs are judged by the new ones");
  }
  if (SelectorsText(policy_.nics.include) != SelectorsText(next.nics.include) ||
      SelectorsText(policy_.nics.exclude) != SelectorsText(next.nics.exclude) || policy_.nics.prefix != next.nics.prefix)
    changes.push_back("[nics] changed: managed NICs and their names re-evaluated");
  if (policy_.daemon.hold_down_ms != next.daemon.hold_down_ms || policy_.daemon.up_delay_ms != next.daemon.up_delay_ms)
    changes.push_back("hold_down_ms / up_delay_ms changed: in effect from now on");
  const policy::DaemonSettings& was = policy_.daemon;
  const policy::DaemonSettings& now = next.daemon;
  if (was.state_dir != now.state_dir) restart.push_back("state_dir");
  if (was.control_socket != now.control_socket) restart.push_back("control_socket");
  if (was.control_group != now.control_group) restart.push_back("control_group");
  if (was.udev_source != now.udev_source) restart.push_back("udev_source");
  // A zone that failed with the old policy is tried again with the new one.
  progress_.bridge_errors.clear();

  for (const auto& interface : next.interfaces) {
    const policy::InterfaceZone* old = policy_.FindInterface(interface.name);
    if (!old || old->zone != interface.zone) changes.push_back(interface.name + ": zone " + interface.zone);
  }
  for (const auto& old : policy_.interfaces)
    if (!next.FindInterface(old.name)) changes.push_back(old.name + ": no longer given a zone: left to your own rules");

  policy_ = std::move(next);
  executor_.SetPinnedZones(std::move(recorded_zones));
  SyncInterfaceZones(zones);
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
  if (pending_apply_)
    return Status::Error("an apply of " + pending_apply_->file + " is waiting for `failoverctl confirm` until " +
                         FormatRfc3339(pending_apply_->deadline) + "; confirm it or let it roll back first");
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

  const MonoTime confirm_started = clock_.Now();
  if (confirm_seconds > 0) {
    // The state the running policy produced, which a rollback returns to exactly.
    auto recorded = Snapshot();
    if (!recorded)
      return Status::Error("cannot record the state to roll back to: " + recorded.message() + "; nothing was changed");
    // Recorded before the policy file changes: a crash from here on rolls back at the next start.
    pending_apply_ = PendingApply{*previous, file, clock_.WallNow() + std::chrono::seconds(confirm_seconds), *recorded};
    state_.SetSection("pending_apply", {{"file", file},
                                        {"deadline", FormatRfc3339(pending_apply_->deadline)},
                                        {"previous_policy", *previous},
                                        {"applied_policy", *text},
                                        {"recorded_state", SnapshotToJson(*recorded)}});
    if (Status saved = state_.Save(); !saved) {
      pending_apply_.reset();
      state_.SetSection("pending_apply", nullptr);
      return Status::Error("cannot record the rollback point in " + state_.path() + ": " + saved.message());
    }
  }
  if (Status written = WriteFileAtomically(policy_path_, *text); !written) {
    if (pending_apply_) {
      pending_apply_.reset();
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
      state_.SetSection("pending_apply", nullptr);
      SaveState();
    }
    return applied.status();
  }
  nlohmann::json result = *applied;
  if (confirm_seconds > 0) {
    // The timer counts from the moment the deadline was recorded, not from the end of the apply.
    confirm_timer_ = loop_.AddTimer(confirm_started + std::chrono::seconds(confirm_seconds), [this, confirm_seconds] {
      confirm_timer_.reset();
      (void)RestorePreviousPolicy("not confirmed within " + std::to_string(confirm_seconds) + " s");
    });
    const std::string message = "applied " + file + "; rolled back at " + FormatRfc3339(pending_apply_->deadline) +
                                " unless `failoverctl confirm` comes first";
    events_.Add(clock_.WallNow(), "policy", message);
    result["message"] = message + " (" + result["message"].get<std::string>() + ")";
    result["confirm_deadline"] = FormatRfc3339(pending_apply_->deadline);
  } else {
    events_.Add(clock_.WallNow(), "policy", "applied " + file);
  }
  ReloadedFromFile();
  return result;
}

std::optional<std::string> Daemon::ConfirmApply() {
  if (!pending_apply_) return std::nullopt;
  if (confirm_timer_) loop_.CancelTimer(*confirm_timer_);
  confirm_timer_.reset();
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
