// Executor: carries out a plan against the kernel, one acknowledged request at a
// time, in the plan's order. A failed action is logged with its reason and the
// actions that depend on it (same NIC, same bridge) are skipped; independent ones
// still run, so one broken bridge never holds up another's failover.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <spdlog/logger.h>

#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/observed.h"
#include "failoverd/core/plan.h"
#include "failoverd/daemon/event_log.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

class Executor {
 public:
  Executor(core::KernelOps& kernel, firewall::Firewall& firewall, EventLog& events, const Clock& clock);

  struct Outcome {
    int done = 0;
    int failed = 0;  // failures worth retrying (zone failures are final until reload)
    bool interrupted = false;  // `interrupt` stopped the plan: plan again from what is true now
  };
  // Asked between two actions until the plan first touches a port (a detach, an attach
  // or an announcement): while NICs and bridges are prepared, made or deleted, which is
  // most of a big reload. True stops the plan there. The daemon replaces a lost active
  // port meanwhile and then plans again, so a long plan never holds a failover back by
  // more than one action.
  using Interrupt = std::function<bool()>;
  // `step`, when given, runs before every action: the plan is moving.
  Outcome Execute(const policy::Policy& policy, const core::Plan& plan, const core::ObservedState& observed,
                  core::Progress& progress, const Interrupt& interrupt = {}, const std::function<void()>& step = {});

  // The zone each bridge got when it was last installed, so a reload can tell which changed.
  const std::map<std::string, firewall::ZoneFragment>& installed_zones() const { return installed_zones_; }
  void RecordInstalledZone(const std::string& bridge, const firewall::ZoneFragment& zone) {
    installed_zones_[bridge] = zone;
  }
  // Fragments to install instead of reading the zone files: a rollback puts back the
  // rules recorded at `apply --confirm`, even if a zone file was edited since. Kept
  // until the next SetPinnedZones (the next reload or apply reads the files again).
  void SetPinnedZones(std::map<std::string, firewall::ZoneFragment> zones) { pinned_zones_ = std::move(zones); }
  const std::map<std::string, firewall::ZoneFragment>& pinned_zones() const { return pinned_zones_; }

 private:
  Status Run(const policy::Policy& policy, const core::Action& action, const core::ObservedState& observed,
             core::Progress& progress);
  Status InstallZone(const policy::Policy& policy, const std::string& bridge);
  // Installs the zones of the run of kInstallZone actions that starts at plan.actions[first]
  // (two or more) in one transaction; the bridges whose zone went in join preinstalled_.
  // Returns the index just past the run.
  size_t PreinstallZones(const policy::Policy& policy, const core::Plan& plan, size_t first,
                       const std::set<std::string>& failed_bridges);
  // Removes what a reload left stale on the bridge, then adds the policy's addresses and
  // its gateway (the bridge is up by then: plan.cc).
  Status ConfigureL3(const policy::Bridge& bridge, int ifindex, core::Progress& progress);
  Status DeleteBridge(const core::Action& action, core::Progress& progress);
  // Takes `bridge`'s zone out of the table and forgets the name: zone, addresses, retirement.
  Status RemoveZone(const std::string& bridge, core::Progress& progress);
  int BridgeIfindex(const std::string& name, const core::ObservedState& observed) const;

  core::KernelOps& kernel_;
  firewall::Firewall& firewall_;
  EventLog& events_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, int> created_bridges_;  // name -> ifindex, for bridges created in this plan
  std::set<std::string> preinstalled_;  // bridges whose zone PreinstallZones put in for this plan
  std::map<std::string, firewall::ZoneFragment> installed_zones_;
  std::map<std::string, firewall::ZoneFragment> pinned_zones_;
};

}  // namespace failoverd
