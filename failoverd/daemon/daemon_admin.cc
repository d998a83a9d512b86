// The administrator's overrides: attach, detach, auto, isolate, restore, and the
// confirm of whatever waits for it (SPEC §5). Each checks its arguments against what
// the daemon knows now, records the override in state.json, reconciles, and reports
// what actually happened.
#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/overrides_json.h"

namespace failoverd {

const core::NicDecision* Daemon::FindNicByName(const std::string& name) const {
  for (const auto& nic : decision_.nics)
    if (observed_.Find(nic.ifindex)->name == name) return &nic;
  return nullptr;
}

void Daemon::CommitOverrides(const std::string& message) {
  events_.Add(clock_.WallNow(), "override", message);
  log_->info("{}", message);
  state_.SetSection("overrides", OverridesToJson(overrides_));
  SaveState();
  Reconcile();
}

namespace {

// What a NIC argument must be: a managed NIC udevd is done with.
Status CheckNic(const core::NicDecision* nic, const std::string& name) {
  if (!nic) return Status::Error("no managed NIC named '" + name + "' (see `failoverctl status`)");
  if (nic->role == core::NicRole::kPending)
    return Status::Error(name + " is still being set up by udev; try again in a few seconds");
  return Status::Ok();
}

}  // namespace

Result<std::string> Daemon::Attach(const std::string& nic_name, const std::string& bridge_name) {
  const core::NicDecision* nic = FindNicByName(nic_name);
  if (Status ok = CheckNic(nic, nic_name); !ok) return ok;
  const policy::Bridge* bridge = policy_.FindBridge(bridge_name);
  if (!bridge) return Status::Error("no bridge named '" + bridge_name + "' in the policy");
  if (const std::string problem = core::ManualAttachProblem(*nic, *bridge); !problem.empty())
    return Status::Error("refused: " + problem);

  const MacAddress identity = nic->identity;
  std::string replaced;
  for (auto it = overrides_.manual.begin(); it != overrides_.manual.end();) {
    // One NIC by hand per bridge: an earlier manual port goes back to the daemon.
    if (it->second == bridge_name && it->first != identity) {
      for (const auto& other : decision_.nics)
        if (other.identity == it->first) replaced = other.name;
      it = overrides_.manual.erase(it);
    } else {
      ++it;
    }
  }
  overrides_.manual[identity] = bridge_name;
  const std::string message = nic_name + ": attached to " + bridge_name + " by hand" +
                              (replaced.empty() ? "" : "; " + replaced + " handed back to failoverd");
  CommitOverrides(message);

  const core::BridgeDecision* decided = decision_.FindBridge(bridge_name);
  if (decided && decided->isolated)
    return message + "; " + bridge_name + " is isolated, so " + nic_name + " joins it on `failoverctl restore " +
           bridge_name + "`";
  const core::LinkInfo* link = observed_.FindByName(nic_name);
  const core::LinkInfo* master = observed_.FindByName(bridge_name);
  if (!link || !master || link->master != master->ifindex) {
    const core::NicDecision* now = FindNicByName(nic_name);
    return Status::Error("override recorded, but " + nic_name + " is not attached to " + bridge_name + ": " +
                         (now ? now->reason : "the NIC is gone"));
  }
  return message + " (until `failoverctl auto " + nic_name + "`)";
}

Result<std::string> Daemon::Detach(const std::string& nic_name) {
  const core::NicDecision* nic = FindNicByName(nic_name);
  if (Status ok = CheckNic(nic, nic_name); !ok) return ok;
  const std::string served = nic->bridge;
  overrides_.manual[nic->identity] = "";
  const std::string message = nic_name + ": detached by hand" + (served.empty() ? "" : " from " + served);
  CommitOverrides(message);
  std::string outcome = message + " (until `failoverctl auto " + nic_name + "`)";
  if (const core::BridgeDecision* bridge = served.empty() ? nullptr : decision_.FindBridge(served)) {
    const core::NicDecision* active = bridge->active ? decision_.FindNic(bridge->active) : nullptr;
    outcome += "; " + served + (active ? " now uses " + active->name : " has no NIC now: " + bridge->reason);
  }
  return outcome;
}

Result<std::string> Daemon::Auto(const std::string& nic_name) {
  const core::NicDecision* nic = FindNicByName(nic_name);
  if (Status ok = CheckNic(nic, nic_name); !ok) return ok;
  if (!overrides_.manual.erase(nic->identity)) return nic_name + " was not overridden; nothing changed";
  const std::string message = nic_name + ": handed back to failoverd";
  CommitOverrides(message);
  const core::NicDecision* now = FindNicByName(nic_name);
  return message + (now ? "; now " + std::string(core::ToString(now->role)) + " (" + now->reason + ")" : "");
}

Result<std::string> Daemon::Isolate(const std::string& bridge_name, const core::IsolateRequest& request) {
  const policy::Bridge* bridge = policy_.FindBridge(bridge_name);
  if (!bridge) return Status::Error("no bridge named '" + bridge_name + "' in the policy");
  if (overrides_.isolated.count(bridge_name)) {
    const std::string note = PendingIsolateNote(bridge_name);
    return bridge_name + " is already isolated" + (note.empty() ? "" : " (" + note + ")") + "; nothing changed";
  }
  const std::vector<core::IsolateHazard> hazards = core::IsolateHazards(IsolateFactsOf(*bridge, request.session));
  const core::IsolateVerdict verdict = core::JudgeIsolate(hazards, request);
  if (verdict == core::IsolateVerdict::kRefuse) {
    const std::string refusal = core::IsolateRefusal(bridge_name, hazards);
    log_->warn("{}: isolate {}", bridge_name, refusal);
    events_.Add(clock_.WallNow(), "override", bridge_name + ": isolate " + refusal);
    return Status::Error(refusal);
  }

  overrides_.isolated.insert(bridge_name);
  std::string message = bridge_name + ": isolated by hand (ports detached; addresses, services and firewall untouched)";
  if (verdict == core::IsolateVerdict::kIsolateUntilConfirmed) {
    if (Status started = StartPendingIsolate(bridge_name, request.confirm_seconds); !started) return started;
    message += "; " + PendingIsolateNote(bridge_name);
  } else {
    message += " until `failoverctl restore " + bridge_name + "`";
  }
  if (!hazards.empty()) message += (request.force ? "; forced although " : "; although ") + core::JoinHazards(hazards);
  CommitOverrides(message);
  const core::LinkInfo* link = observed_.FindByName(bridge_name);
  for (const auto& nic : decision_.nics) {
    const core::LinkInfo* nic_link = observed_.Find(nic.ifindex);
    if (link && nic_link->master == link->ifindex)
      return Status::Error("isolation recorded, but " + nic_link->name + " is still a port of " + bridge_name +
                           " (see `failoverctl events`)");
  }
  return message;
}

Result<std::string> Daemon::Restore(const std::string& bridge_name) {
  if (!policy_.FindBridge(bridge_name)) return Status::Error("no bridge named '" + bridge_name + "' in the policy");
  if (!overrides_.isolated.erase(bridge_name)) return bridge_name + " was not isolated; nothing changed";
  const bool was_pending = DropPendingIsolate(bridge_name);
  const std::string message = bridge_name + ": restored" + (was_pending ? " (before its confirm deadline)" : "");
  CommitOverrides(message);
  const core::BridgeDecision* bridge = decision_.FindBridge(bridge_name);
  const core::NicDecision* active = bridge && bridge->active ? decision_.FindNic(bridge->active) : nullptr;
  return message + (active ? "; " + active->name + " is its port again" : "; no NIC yet: " + (bridge ? bridge->reason : ""));
}

Result<std::string> Daemon::Confirm() {
  const bool migration_pending = migration_hook_.status && !migration_hook_.status().is_null();
  if (windows_.empty() && !migration_pending)
    return Status::Error("nothing is waiting for confirmation");
  std::string message;
  if (auto start = ConfirmStartWindow()) message = *start;
  if (auto migration = migration_hook_.confirm ? migration_hook_.confirm() : std::nullopt) {
    events_.Add(clock_.WallNow(), "migrate", *migration);
    message += (message.empty() ? "" : "; ") + *migration;
    RecordLastGood("conversion confirmed");
  }
  if (auto apply = ConfirmApply()) message += (message.empty() ? "" : "; ") + *apply;
  for (const auto& isolate : ConfirmIsolates()) message += (message.empty() ? "" : "; ") + isolate;
  return message;
}

}  // namespace failoverd
