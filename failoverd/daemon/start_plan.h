// The start of the daemon, before anything changes: reads what the choice of the
// policy depends on — the policy file and its zones, checked on this host; the last
// good policy; the start window and declined policy in state.json — chooses
// (start_policy.h) and prepares what the daemon runs. A window it opens is recorded
// in state.json first, so a daemon killed inside it goes on with it at the next start.
#pragma once

#include <string>
#include <vector>

#include "failoverd/daemon/daemon.h"
#include "policy/policy_parser.h"

namespace failoverd {

struct StartPlan {
  StartupRollback start;  // the policy to run (and an unconfirmed apply's rollback, as before)
  PolicyOrigin origin;    // how it was chosen
};

// `nft`: for checking the zones' rules (nullptr: not checked); `now`: the wall clock
// the daemon will use. An error, with every problem of the policy file, when
// failoverd must not start.
Result<StartPlan> PlanStart(const std::string& policy_path, const policy::ParseResult& parsed, firewall::Firewall* nft,
                            WallTime now);

// The problems of `parsed` (and of its zones and control group on this host), one per
// line; empty when the policy can run. For --check and the start.
std::vector<std::string> PolicyProblems(const policy::ParseResult& parsed, firewall::Firewall* nft,
                                        const std::map<std::string, firewall::ZoneFragment>& pinned = {});

}  // namespace failoverd
