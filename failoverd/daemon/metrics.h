// Metrics: the daemon's counters and gauges, and their Prometheus text exposition
// (served by `failoverctl metrics`). Counters only grow for the daemon's lifetime.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "failoverd/common/clock.h"

namespace failoverd {

struct Metrics {
  std::map<std::string, uint64_t> failovers;        // by bridge: the active port changed to another NIC
  std::map<std::string, uint64_t> carrier_changes;  // by NIC name
  uint64_t moves = 0;          // NICs moved to another bridge by identification
  uint64_t quarantines = 0;    // NICs put into quarantine
  uint64_t resyncs = 0;        // full re-reads of the kernel's links
  uint64_t netlink_overflows = 0;  // times the kernel dropped link notifications (ENOBUFS)
  uint64_t firewall_restores = 0;  // table inet failoverd put back after someone else changed it
  // The last repair: from the foreign change being noticed to the table being back.
  std::optional<double> last_firewall_repair_seconds;
  uint64_t conntrack_swept = 0;  // conntrack entries opened while the table was missing, deleted
  uint64_t failed_actions = 0; // kernel changes that failed (and were retried)
  uint64_t fast_failovers = 0;      // standbys attached at once on a carrier loss, before the re-read
  uint64_t early_carrier_losses = 0;  // carrier losses found by asking the kernel before it reported them
  std::optional<double> last_failover_seconds;  // decision start to new port attached and announced
  std::optional<double> last_rollback_seconds;  // an unconfirmed apply's rollback, start to state checked
  uint64_t nics_left_alone = 0;  // times a live NIC was judged to be left alone
  uint64_t state_save_failures = 0;  // writes of state.json that failed (each is retried)

  // What is true now, read at exposition time.
  struct Gauges {
    std::map<std::string, bool> bridge_up;    // bridge -> exists and is up
    std::map<std::string, bool> nic_carrier;  // NIC -> carrier
    size_t left_alone = 0;                    // live NICs left alone now
    // Why the policy in force is not the policy file ("" when it is): "invalid" (the
    // file is refused; the last good policy runs) or "unconfirmed" (a changed policy
    // was not confirmed at start; the last good one runs).
    std::string policy_fallback;
    bool state_unsaved = false;  // state.json holds less than the daemon knows
    uint64_t log_messages_dropped = 0;  // the log queue was full (stderr not read)
  };
  std::string Exposition(const Gauges& gauges) const;
};

}  // namespace failoverd
