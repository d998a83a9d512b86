// The daemon's wiring: builds the real kernel edge (netlink, udev, nftables),
// the event loop and the control socket, hands them to each other and runs until
// SIGTERM/SIGINT. Nothing here decides anything.
#pragma once

#include <map>
#include <string>

#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/start_plan.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

// Runs the daemon on `plan.start.policy`; returns the process exit code.
// `policy_path`: the file `reload` and SIGHUP re-read and `apply` replaces.
// `plan.start`: what UndoUnconfirmedApply did (its message is logged and recorded in
// events, its recorded state restored by the daemon's start); `plan.origin`: how the
// policy was chosen (the file, the last good one, the file under a confirm window).
// `migrate`: `failoverd --migrate [--confirm SECONDS]` (migration.h). Without --migrate a
// conversion still starts, with the default window, on a host whose NIC named like
// a bridge carries addresses — unless one was rolled back before.
struct MigrateOptions {
  bool requested = false;
  int confirm_seconds = 120;
};

int RunDaemon(const StartPlan& plan, const std::string& policy_path, const MigrateOptions& migrate = {});

// `failoverd --check`: the policy's problems (parser, zones, control group, nftables
// as root), and what the next start would run; returns 0 or 2.
int CheckPolicy(const std::string& policy_path, const policy::ParseResult& parsed);

// Validates the zone files the policy names (and, as root, the generated ruleset
// with an nft dry run); prints PATH:LINE:COLUMN problems; returns 0 or 2.
// `recorded`: zone rules a rollback installs instead of a bridge's zone file.
int CheckZones(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& recorded = {});

std::string ReadMachineId();

}  // namespace failoverd
