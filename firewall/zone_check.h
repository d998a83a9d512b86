// Checking a zone against nftables before it is used, and pointing at the zone
// file's own line and column when nft refuses a rule — not at a line of the script
// failoverd generates from it, which the administrator never sees.
#pragma once

#include <string>
#include <vector>

#include "firewall/firewall.h"

namespace failoverd::firewall {

// Dry-runs the zone's rules in a scratch table (nothing is committed, the live
// ruleset is never touched). Empty when nftables accepts every rule; otherwise one
// "PATH:LINE:COLUMN: nftables: message" per refused rule.
std::vector<std::string> CheckZoneWithNft(Firewall& firewall, const ZoneFragment& zone);

// The same for several zones: one dry run for all of them (each dry run costs the
// kernel a grace period, ~15 ms here), and only if that is refused, zone by zone.
std::vector<std::string> CheckZonesWithNft(Firewall& firewall, const std::vector<const ZoneFragment*>& zones);

// The 1-based column, within `rule`, that nft's error message marks with '^' when
// the rule was sent as the one line `prefix` + rule; 1 when the message marks
// nothing inside the rule. Exposed for tests.
int ErrorColumnInRule(const std::string& nft_error, const std::string& prefix, const std::string& rule);

// nft's first error line without its "Error: " and location prefixes; exposed for tests.
std::string ErrorHeadline(const std::string& nft_error);

}  // namespace failoverd::firewall
