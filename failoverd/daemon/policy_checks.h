// What the policy parser cannot check alone, checked against this host before a
// policy is used (at --check, --dry-run, start, reload and apply): every zone named
// exists and nftables accepts its rules, and control_group is a group here. Each
// problem points at the place to fix: the policy's `zone =` or `control_group =`
// (PATH:LINE:COLUMN), or the zone file's own line and column.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "failoverd/core/link.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

struct PolicyCheck {
  std::vector<std::string> errors;  // one line per problem; any error refuses the policy
  // The zone every bridge and [[interface]] gets, by its name (those that loaded).
  std::map<std::string, firewall::ZoneFragment> zones;

  bool ok() const { return errors.empty(); }
  std::string Text() const;  // the errors, one per line
};

// `pinned`: zone fragments to use instead of the zone files (a rollback's recorded
// rules), by bridge name. `with_nft`: also dry-run the rules in nftables (needs
// CAP_NET_ADMIN; nothing is committed).
PolicyCheck CheckPolicyOnHost(const policy::Policy& policy, firewall::Firewall* nft,
                              const std::map<std::string, firewall::ZoneFragment>& pinned = {});

// What is only suspicious, not wrong, judged against the links of this host now: a
// port or exclude selector by MAC or path that matches no link (a typo, or a NIC not
// plugged yet), an [[interface]] that does not exist (yet). One "PATH:LINE:COLUMN:
// warning: ..." line each.
std::vector<std::string> PolicyWarnings(const policy::Policy& policy, const std::vector<core::LinkInfo>& links);

// When `holder`, the link that has `bridge`'s name on this host now, keeps the kernel
// from giving a bridge that name: it is no bridge and no NIC the policy manages (which
// failoverd would rename first) — a VM's tap, someone's tunnel, an excluded NIC. The
// problem as a "PATH:LINE:COLUMN: ..." line; "" when there is none (no holder too).
std::string NameHeldProblem(const policy::Policy& policy, const policy::Bridge& bridge, const core::LinkInfo* holder);

// The zone of `bridge`: the pinned fragment when it is one of the zone the policy
// names (a rollback's recorded rules), else ZONES_DIR/ZONE.nft.
Result<firewall::ZoneFragment> ZoneOf(const policy::Bridge& bridge, const std::string& zones_dir,
                                      const std::map<std::string, firewall::ZoneFragment>& pinned);

}  // namespace failoverd
