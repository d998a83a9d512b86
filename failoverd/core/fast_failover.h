// Fast failover: the first step of a failover, taken the moment the kernel says an
// active port lost carrier, before the links are re-read. Decide() runs on the last
// picture with only that carrier changed; when it hands the port's bridge to another
// NIC that is up, has carrier and is in no bridge, attaching that NIC is the whole
// first step — one netlink write. Detaching the dead port, the announcements, the
// logs and the state file follow in the ordinary reconcile, after the switch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failoverd/core/decision.h"
#include "failoverd/core/observed.h"

namespace failoverd::core {

// The kernel sends carrier notifications at most once a second (linkwatch batching),
// so a loss may be reported up to a second late: for this long after any link
// notification the active ports' carrier is asked directly, every millisecond (the
// daemon's fast path and the reflex both do).
inline constexpr int kCarrierWindowMs = 1100;

struct FastAttach {
  int nic = 0;     // ifindex of the NIC to attach
  int bridge = 0;  // ifindex of the bridge it serves
  std::string nic_name;
  std::string bridge_name;
};

// The active port of an existing bridge in `decision` that is enslaved to it, and so
// worth the fast path when it loses carrier; nullptr if `ifindex` is no such port.
const BridgeDecision* ActiveBridgeOf(const Decision& decision, const ObservedState& observed, int ifindex);

// `before`: the decision in force when the loss was reported; `after`: Decide() on
// `observed`, where `lost` has just lost carrier. nullopt: nothing to do at once
// (not an active port, hold-down keeps it, no usable standby, or the standby is not
// ready to forward by a single attach).
std::optional<FastAttach> FastFailoverStep(const Decision& before, const Decision& after,
                                           const ObservedState& observed, int lost);

// The ifindexes whose last note in `notes` (oldest first) says they have no carrier.
std::vector<int> LostCarrier(const std::vector<CarrierNote>& notes);

}  // namespace failoverd::core
