// Fast failover: the first step of a failover, taken the moment the kernel says an
// active port lost carrier, before the links are re-read. The decision in force
// already lists who may take over (BridgeDecision::successors, also the reflex's
// table), so no second Decide() runs: the first of them that Decide() would choose now
// (carrier for at least up_delay) takes over when attaching it is the whole first step
// — one netlink write. Detaching the dead port, the announcements, the logs and the
// state file follow in the ordinary reconcile, after the switch.
#pragma once

#include <chrono>
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

// `decision`: the one in force when the loss was reported; `observed`: the links with
// `lost` just without carrier, at `now`. nullopt: nothing to do at once (not an active
// port, hold_down keeps it, no successor usable, or the one Decide() would choose is not
// ready to forward by a single attach: down, in a bridge, or still to be renamed).
std::optional<FastAttach> FastFailoverStep(const Decision& decision, const ObservedState& observed, int lost,
                                           MonoTime now, std::chrono::milliseconds up_delay,
                                           std::chrono::milliseconds hold_down);

// The ifindexes whose last note in `notes` (oldest first) says they have no carrier.
std::vector<int> LostCarrier(const std::vector<CarrierNote>& notes);

}  // namespace failoverd::core
