// Decide: the pure heart of failoverd. From the policy, the observed links, the
// remembered names and the time, it computes which name every managed NIC should
// carry and which NIC serves which bridge, with a reason for each. It keeps no
// state of its own: calling it twice on the same input gives the same answer, and a
// restart is the same computation on adopted state. The current active port wins
// ties, so nothing flaps.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/clock.h"
#include "failoverd/core/fingerprint.h"
#include "failoverd/core/identify.h"
#include "failoverd/core/observed.h"
#include "policy/policy.h"

namespace failoverd::core {

enum class NicRole {
  kActive,   // the port of its bridge, enslaved and forwarding
  kStandby,  // preferred by a bridge, up but not enslaved, ready to take over
  kSpare,    // preferred by no bridge; a bridge with spares = true may take it
  kPending,      // udevd has not finished with it yet (udev_source = "udev"); left untouched
  kQuarantined,  // its cable matches no bridge's network, or several: attached nowhere
  kManual,       // the administrator decided (failoverctl attach/detach) until `auto`
};

// How long a NIC may wait for udevd before failoverd goes ahead without it: in a
// network namespace udevd never sees the device, and a NIC must not wait forever.
inline constexpr std::chrono::milliseconds kUdevWait{3000};
const char* ToString(NicRole role);

// Why a NIC serves the bridge it serves (status and logs tell the story in `reason`).
enum class NicPlacement {
  kPolicy,      // the bridge's `ports` (or spares) chose it
  kIdentified,  // the traffic on its cable did: identified on, or moved to, that bridge's network
};

struct NicDecision {
  int ifindex = 0;
  MacAddress identity;
  std::string current_name;
  std::string name;        // the hwethN name it must carry
  NicRole role = NicRole::kSpare;
  std::string bridge;      // the bridge it serves (active or standby); "" for none
  int preference = -1;     // index in that bridge's `ports`; -1 for a spare
  std::string reason;
  NicPlacement placement = NicPlacement::kPolicy;
  Identification identification;  // verdict kUndetermined when nothing is identified
  // The network its cable carries, for status: a bridge name, "unknown", or "" (not known).
  std::string network;
};

struct BridgeDecision {
  const policy::Bridge* policy = nullptr;  // into the Policy decided from; lives as long as it
  MacAddress mac;      // the MAC it is created with
  int active = 0;      // ifindex of the NIC that must be its port; 0 = none
  std::string reason;  // why that NIC (or why none)
  bool isolated = false;  // cut off its network by the administrator
  // Who may take over from `active`, in the order this decision would choose them: its
  // standbys the cable's identification allows, then (spares = true) the spares it may
  // take; none whose carrier came back less than up_delay ago (the next decision lists
  // it once it may). Empty for an isolated bridge, a port attached by hand, or no active
  // port. What the reflex may carry out on its own (core/reflex_table.h).
  std::vector<int> successors;
};

struct Decision {
  std::vector<NicDecision> nics;        // every managed NIC, by ifindex
  std::vector<BridgeDecision> bridges;  // in policy order
  std::optional<MonoTime> next_wakeup;  // when a debounce expires and Decide must run again

  const NicDecision* FindNic(int ifindex) const;
  const BridgeDecision* FindBridge(const std::string& name) const;
};

// What the probes learned about one NIC's cable in its current link-up.
struct NicEvidence {
  Fingerprint fingerprint;
  bool probing_done = false;               // every probe had its chance
  std::string remembered_network;          // last network recorded in state.json, "" if none
};

// What the administrator decided by hand, kept in state.json across restarts.
struct Overrides {
  // NIC identity -> the bridge it was attached to by `failoverctl attach`, or ""
  // for `failoverctl detach` (attached nowhere).
  std::map<MacAddress, std::string> manual;
  std::set<std::string> isolated;  // bridges cut off their network by `failoverctl isolate`

  bool empty() const { return manual.empty() && isolated.empty(); }
  bool operator==(const Overrides&) const = default;
};

// Why `nic` may not be attached to `bridge` by hand, or "" when it may: an attach
// must never bridge two networks, so a NIC identified on another network, or on
// several, is refused. Also used to suspend an attach the cable later contradicts.
std::string ManualAttachProblem(const NicDecision& nic, const policy::Bridge& bridge);

struct DecisionInput {
  const policy::Policy& policy;
  const ObservedState& observed;
  const std::map<MacAddress, std::string>& remembered_names;  // from state.json
  std::string machine_id;
  MonoTime now;
  // By ifindex; nullptr or a missing entry means nothing heard yet.
  const std::map<int, NicEvidence>* evidence = nullptr;
  const Overrides* overrides = nullptr;  // nullptr: none
  // bridge -> identity of the NIC to make its active port when that NIC may serve
  // the bridge and is usable, whichever NIC is active now and whatever the
  // preference and failback say: the port recorded before an `apply --confirm`,
  // put back by its rollback. The daemon passes it for the rollback's reconcile
  // only; afterwards the usual rules (the current active port keeps the job) hold it there.
  const std::map<std::string, MacAddress>* restore_active = nullptr;
  // ifindex -> why: live NICs failoverd leaves alone (core/live_nics.h). They are not
  // managed NICs here: never named, silenced or attached. nullptr: none.
  const std::map<int, std::string>* left_alone = nullptr;
};

Decision Decide(const DecisionInput& input);

}  // namespace failoverd::core
