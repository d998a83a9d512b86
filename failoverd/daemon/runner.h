// The daemon's wiring: builds the real kernel edge (netlink, udev, nftables),
// the event loop and the control socket, hands them to each other and runs until
// SIGTERM/SIGINT. Nothing here decides anything.
#pragma once

#include <string>

#include "policy/policy.h"

namespace failoverd {

// Runs the daemon; returns the process exit code.
// `policy_path`: the file `reload` and SIGHUP re-read and `apply` replaces.
// `startup_note`: what UndoUnconfirmedApply did, logged and recorded in events ("" for nothing).
// `failoverd --migrate [--confirm SECONDS]` (migration.h). Without --migrate a
// conversion still starts, with the default window, on a host whose NIC named like
// a bridge carries addresses — unless one was rolled back before.
struct MigrateOptions {
  bool requested = false;
  int confirm_seconds = 120;
};

int RunDaemon(const policy::Policy& policy, const std::string& policy_path, const std::string& startup_note = "",
              const MigrateOptions& migrate = {});

// Prints what the daemon would change on this host now (renames, bridges,
// attachments, firewall) without changing anything; returns the exit code.
int PrintDryRun(const policy::Policy& policy);

// Validates the zone files the policy names (and, as root, the generated ruleset
// with an nft dry run); prints PATH:LINE:COLUMN problems; returns 0 or 2.
int CheckZones(const policy::Policy& policy);

std::string ReadMachineId();

}  // namespace failoverd
