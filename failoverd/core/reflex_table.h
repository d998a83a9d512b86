// The reflex's table: what failoverd's reflex (a small process the daemon starts,
// daemon/reflex.*) may do on its own while the daemon itself is dead — between a
// crash and the restart, or through an upgrade. After every reconcile the daemon
// publishes, per bridge, the port that forwards and the NICs that may take over, in
// the order the daemon would choose them; only what is allowed now is in it (an
// isolated bridge, a NIC under a manual override or in quarantine is not). Pure:
// building it, its wire text, and the one step the reflex takes on a carrier loss.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failoverd/core/decision.h"
#include "failoverd/core/link.h"
#include "failoverd/core/observed.h"
#include "policy/policy.h"

namespace failoverd::core {

struct ReflexEntry {
  std::string bridge;
  int bridge_ifindex = 0;
  int active = 0;              // the port that forwards now
  std::vector<int> standbys;   // who may take over, best first
  bool operator==(const ReflexEntry&) const = default;
};

struct ReflexTable {
  int hold_down_ms = 0;  // a loss counts once it has lasted this long (the policy's hold_down_ms)
  std::vector<ReflexEntry> entries;
  bool operator==(const ReflexTable&) const = default;
};

// Every existing bridge with an enslaved active port and at least one NIC that may
// take over (BridgeDecision::successors: its standbys by preference, then the spares
// it may take; only those the cable's identification allows, none in up_delay).
ReflexTable MakeReflexTable(const policy::Policy& policy, const Decision& decision, const ObservedState& observed);

// One line per fact: "hold_down_ms N", then "bridge NAME IFINDEX ACTIVE S1,S2,...".
std::string ReflexTableText(const ReflexTable& table);
// nullopt on anything that is not such a text.
std::optional<ReflexTable> ParseReflexTable(std::string_view text);

struct ReflexStep {
  std::string bridge;
  int bridge_ifindex = 0;
  int nic = 0;  // to attach to the bridge
};

// What to do now that `lost` has no carrier (or is gone), on the links as the
// kernel shows them now: attach the first standby that exists, is up, has carrier
// and is in no bridge — unless `lost` is no active port of the table, or another
// port of its bridge still has carrier (never two forwarding ports in a bridge).
std::optional<ReflexStep> ReflexStepFor(const ReflexTable& table, int lost, const std::vector<LinkInfo>& links);

}  // namespace failoverd::core
