#include "failoverd/daemon/executor.h"

#include "failoverd/daemon/policy_checks.h"
#include "failoverd/runtime/crash_points.h"
#include "failoverd/runtime/logging.h"

namespace failoverd {

using core::Action;

Executor::Executor(core::KernelOps& kernel, firewall::Firewall& firewall, EventLog& events, const Clock& clock)
    : kernel_(kernel), firewall_(firewall), events_(events), clock_(clock), log_(GetLogger("engine")) {}

int Executor::BridgeIfindex(const std::string& name, const core::ObservedState& observed) const {
  auto created = created_bridges_.find(name);
  if (created != created_bridges_.end()) return created->second;
  const core::LinkInfo* link = observed.FindByName(name);
  return link && link->is_bridge() ? link->ifindex : 0;
}

namespace {

bool TouchesAPort(Action::Type type) {
  return type == Action::Type::kDetach || type == Action::Type::kAttach || type == Action::Type::kAnnounce;
}

}  // namespace

Executor::Outcome Executor::Execute(const policy::Policy& policy, const core::Plan& plan,
                                    const core::ObservedState& observed, core::Progress& progress,
                                    const Interrupt& interrupt, const std::function<void()>& step) {
  created_bridges_.clear();
  Outcome outcome;
  std::set<int> failed_nics;
  std::set<std::string> failed_bridges;
  preinstalled_.clear();
  size_t zone_run_end = 0;  // the zones before this index were offered to PreinstallZones
  bool ports_touched = false;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& action = plan.actions[i];
    if (step) step();
    // Not inside a run of zones already installed together: they are marked as one.
    const bool preinstalled = action.type == Action::Type::kInstallZone && preinstalled_.count(action.bridge);
    if (i > 0 && interrupt && !ports_touched && !preinstalled && interrupt()) {
      log_->info("plan stopped before {} of {} actions: planning again", i, plan.actions.size());
      outcome.interrupted = true;
      break;
    }
    ports_touched = ports_touched || TouchesAPort(action.type);
    if ((action.ifindex && failed_nics.count(action.ifindex)) ||
        (!action.bridge.empty() && failed_bridges.count(action.bridge) && action.type != Action::Type::kDetach)) {
      log_->info("{}: skipped, an earlier step failed", action.Describe());
      continue;
    }
    if (action.type == Action::Type::kInstallZone && i >= zone_run_end)
      zone_run_end = PreinstallZones(policy, plan, i, failed_bridges);
    log_->debug("{}", action.Describe());
    const Status status = Run(policy, action, observed, progress);
    const bool bridge_step = action.type == Action::Type::kCreateBridge || action.type == Action::Type::kBridgeUp ||
                             action.type == Action::Type::kConfigureL3 || action.type == Action::Type::kUpdateBridge;
    if (status.ok()) {
      if (bridge_step) progress.bridge_failures.erase(action.bridge);
      ++outcome.done;
      continue;
    }
    if (bridge_step)
      progress.bridge_failures[action.bridge] = std::string(core::ToString(action.type)) + " failed: " + status.message();
    const std::string subject = action.bridge.empty() ? action.name : action.bridge;
    log_->error("{}: {} failed: {}", subject, core::ToString(action.type), status.message());
    events_.Add(clock_.WallNow(), "error", subject + ": " + core::ToString(action.type) + " failed: " + status.message());
    if (action.type == Action::Type::kInstallZone) {
      // The bridge stays down: no bridge without its firewall. Not retried until reload.
      progress.bridge_errors[action.bridge] = "firewall zone not installed: " + status.message();
      failed_bridges.insert(action.bridge);
      continue;
    }
    ++outcome.failed;
    if (action.ifindex) failed_nics.insert(action.ifindex);
    if (action.type == Action::Type::kCreateBridge || action.type == Action::Type::kConfigureL3 ||
        action.type == Action::Type::kBridgeUp)
      failed_bridges.insert(action.bridge);
  }
  return outcome;
}

Status Executor::Run(const policy::Policy& policy, const Action& action, const core::ObservedState& observed,
                     core::Progress& progress) {
  switch (action.type) {
    case Action::Type::kRename: {
      // Down first (kernels before 6.2 refuse to rename a link that is up), unless it
      // was down at the last read, as a new NIC is: if it came up since, the rename
      // fails and the next reconcile, with the fresh state, takes it down.
      const core::LinkInfo* link = observed.Find(action.ifindex);
      if (!link || link->admin_up)
        if (Status down = kernel_.SetLinkUp(action.ifindex, false); !down) return down;
      Status renamed = kernel_.SetLinkName(action.ifindex, action.name);
      if (renamed) CrashPoint("after-rename");  // test-only (crash_points.h)
      return renamed;
    }
    case Action::Type::kPrepareNic: {
      Status status = kernel_.PrepareNic(action.name);
      if (status) progress.prepared_nics.insert(action.ifindex);
      return status;
    }
    case Action::Type::kLinkUp:
      return kernel_.SetLinkUp(action.ifindex, true);
    case Action::Type::kCreateBridge: {
      auto ifindex = kernel_.CreateBridge(action.spec);
      if (!ifindex) return ifindex.status();
      created_bridges_[action.bridge] = *ifindex;
      progress.own_bridges.insert(*ifindex);
      events_.Add(clock_.WallNow(), "bridge", action.Describe());
      return Status::Ok();
    }
    case Action::Type::kInstallZone: {
      Status status = preinstalled_.erase(action.bridge) ? Status::Ok() : InstallZone(policy, action.bridge);
      if (status) {
        progress.zoned_bridges.insert(action.bridge);
        events_.Add(clock_.WallNow(), "firewall", action.Describe());
        CrashPoint("after-zone");  // test-only (crash_points.h)
      }
      return status;
    }
    case Action::Type::kConfigureL3: {
      const policy::Bridge* bridge = policy.FindBridge(action.bridge);
      const int ifindex = BridgeIfindex(action.bridge, observed);
      if (!bridge || !ifindex) return Status::Error("bridge not found");
      // The plan runs this after kBridgeUp: the kernel refuses a gateway on a bridge that is down.
      Status status = ConfigureL3(*bridge, ifindex, progress);
      if (status) progress.configured_bridges.insert(action.bridge);
      return status;
    }
    case Action::Type::kBridgeUp: {
      const int ifindex = BridgeIfindex(action.bridge, observed);
      if (!ifindex) return Status::Error("bridge not found");
      return kernel_.SetLinkUp(ifindex, true);
    }
    case Action::Type::kDetach: {
      Status status = kernel_.SetMaster(action.ifindex, 0);
      if (status) events_.Add(clock_.WallNow(), "port", action.Describe());
      return status;
    }
    case Action::Type::kAttach: {
      const int ifindex = BridgeIfindex(action.bridge, observed);
      if (!ifindex) return Status::Error("bridge " + action.bridge + " not found");
      Status status = kernel_.SetMaster(action.ifindex, ifindex);
      if (status) events_.Add(clock_.WallNow(), "port", action.Describe());
      return status;
    }
    case Action::Type::kUpdateBridge: {
      const int ifindex = BridgeIfindex(action.bridge, observed);
      if (!ifindex) return Status::Error("bridge not found");
      Status status = kernel_.UpdateBridge(ifindex, action.spec);
      if (status) {
        progress.bridges_to_update.erase(action.bridge);
        progress.unmarked_own_bridges.erase(action.bridge);  // it carries the mark now
        progress.own_bridges.insert(ifindex);
        log_->info("{}", action.Describe());  // old -> new
        events_.Add(clock_.WallNow(), "bridge", action.Describe());
      }
      return status;
    }
    case Action::Type::kDeleteBridge:
      return DeleteBridge(action, progress);
    case Action::Type::kRemoveZone: {
      Status status = RemoveZone(action.bridge, progress);
      if (status) {
        log_->warn("{}", action.Describe());
        events_.Add(clock_.WallNow(), "firewall", action.Describe());
      }
      return status;
    }
    case Action::Type::kAnnounce: {
      const int ifindex = BridgeIfindex(action.bridge, observed);
      if (!ifindex) return Status::Error("bridge " + action.bridge + " not found");
      Status status = kernel_.Announce(action.ifindex, ifindex);
      if (status) progress.unannounced_ports.erase(action.bridge);
      return status;
    }
  }
  return Status::Error("unknown action");
}

size_t Executor::PreinstallZones(const policy::Policy& policy, const core::Plan& plan, size_t first,
                                 const std::set<std::string>& failed_bridges) {
  std::vector<firewall::BridgeZone> zones;
  size_t end = first;
  for (; end < plan.actions.size() && plan.actions[end].type == Action::Type::kInstallZone; ++end) {
    const std::string& name = plan.actions[end].bridge;
    const policy::Bridge* bridge = policy.FindBridge(name);
    if (!bridge || failed_bridges.count(name)) continue;
    if (auto zone = ZoneOf(*bridge, policy.daemon.zones_dir, pinned_zones_)) zones.push_back({name, *zone});
  }
  if (zones.size() < 2) return end;
  // The plan puts all zones between the bridges' creation and their coming up
  // (plan.cc), so one transaction keeps each bridge's order and costs one nft run instead
  // of one per bridge. If nftables refuses the whole, each zone goes in on its own, so a
  // bad one is named alone and the others still go in.
  std::string script;
  for (const auto& zone : zones) script += firewall::InstallZoneScript(zone);
  if (Status applied = firewall_.Apply(script); !applied) {
    log_->warn("installing {} zones in one transaction failed ({}); one by one instead", zones.size(),
               applied.message());
    return end;
  }
  for (const auto& zone : zones) {
    installed_zones_[zone.bridge] = zone.zone;
    preinstalled_.insert(zone.bridge);
  }
  return end;
}

Status Executor::InstallZone(const policy::Policy& policy, const std::string& bridge_name) {
  const policy::Bridge* bridge = policy.FindBridge(bridge_name);
  if (!bridge) return Status::Error("bridge not in policy");
  auto zone = ZoneOf(*bridge, policy.daemon.zones_dir, pinned_zones_);
  if (!zone) return zone.status();
  Status applied = firewall_.Apply(firewall::InstallZoneScript({bridge_name, *zone}));
  if (applied) installed_zones_[bridge_name] = *zone;
  return applied;
}

Status Executor::DeleteBridge(const Action& action, core::Progress& progress) {
  if (action.ifindex)
    if (Status deleted = kernel_.DeleteLink(action.ifindex); !deleted) return deleted;
  // The bridge is gone, so nothing arrives on it any more: its zone follows.
  if (Status removed = RemoveZone(action.bridge, progress); !removed) return removed;
  progress.bridge_errors.erase(action.bridge);
  events_.Add(clock_.WallNow(), "bridge", action.Describe());
  return Status::Ok();
}

Status Executor::RemoveZone(const std::string& bridge, core::Progress& progress) {
  if (Status removed = firewall_.Apply(firewall::RemoveZoneScript(bridge)); !removed) return removed;
  progress.zoned_bridges.erase(bridge);
  installed_zones_.erase(bridge);
  progress.configured_bridges.erase(bridge);
  progress.retired_bridges.erase(bridge);  // nothing of failoverd's is left under the name
  return Status::Ok();
}

Status Executor::ConfigureL3(const policy::Bridge& bridge, int ifindex, core::Progress& progress) {
  if (auto gateway = progress.stale_gateways.find(bridge.name); gateway != progress.stale_gateways.end()) {
    if (Status status = kernel_.RemoveDefaultRoute(ifindex, gateway->second); !status) return status;
    progress.stale_gateways.erase(gateway);
  }
  if (auto stale = progress.stale_addresses.find(bridge.name); stale != progress.stale_addresses.end()) {
    for (const auto& address : stale->second)
      if (Status status = kernel_.RemoveAddress(ifindex, address); !status) return status;
    progress.stale_addresses.erase(stale);
  }
  for (const auto& address : bridge.addresses)
    if (Status status = kernel_.EnsureAddress(ifindex, address); !status) return status;
  if (bridge.gateway) return kernel_.EnsureDefaultRoute(ifindex, *bridge.gateway);
  return Status::Ok();
}

}  // namespace failoverd
