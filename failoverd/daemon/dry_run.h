// `failoverd --dry-run [--migrate [--confirm SECONDS]] [--json]`: what a start would
// do on this host now, changing nothing — the conversion of a live NIC named like a
// bridge (the MAC kept, the addresses and routes that move, the window) or the
// refusals a start would make; the NICs left alone; the firewall; every step of the
// plan; and per bridge the port it would forward through, its standbys, addresses
// and gateway. One report, printed as text or as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "failoverd/daemon/runner.h"
#include "policy/policy.h"

namespace failoverd {

// The report's text, one line per fact (the JSON's fields in order).
std::string DryRunText(const nlohmann::json& report);

// Prints the report; returns 0, or the exit status a start would have when it would
// refuse (kExitNotConverted), or 1 when this host cannot be read.
int PrintDryRun(const policy::Policy& policy, const MigrateOptions& migrate, bool json);

}  // namespace failoverd
