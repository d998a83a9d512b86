#include "failoverd/daemon/metrics.h"

#include <cstdio>

namespace failoverd {

namespace {

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string& out, const char* name, const std::string& label, const std::string& value,
            const std::string& number) {
  out += name;
  if (!label.empty()) out += "{" + label + "=\"" + value + "\"}";
  out += " " + number + "\n";
}

// A gauge of seconds that exists once there is something to show (`precision` decimals).
void SecondsGauge(std::string& out, const char* name, const char* help, const std::optional<double>& seconds,
                  int precision) {
  if (!seconds) return;
  char number[32];
  std::snprintf(number, sizeof number, "%.*f", precision, *seconds);
  Header(out, name, "gauge", help);
  Sample(out, name, "", "", number);
}

}  // namespace

std::string Metrics::Exposition(const Gauges& gauges) const {
  const auto& bridge_up = gauges.bridge_up;
  const auto& nic_carrier = gauges.nic_carrier;
  std::string out;
  Header(out, "failoverd_failovers_total", "counter", "Times a bridge's active port changed to another NIC.");
  for (const auto& [bridge, n] : failovers) Sample(out, "failoverd_failovers_total", "bridge", bridge, std::to_string(n));
  Header(out, "failoverd_moves_total", "counter", "NICs moved to another bridge because of what their cable carries.");
  Sample(out, "failoverd_moves_total", "", "", std::to_string(moves));
  Header(out, "failoverd_quarantines_total", "counter", "NICs quarantined: their cable matched no bridge, or several.");
  Sample(out, "failoverd_quarantines_total", "", "", std::to_string(quarantines));
  Header(out, "failoverd_carrier_changes_total", "counter", "Carrier changes seen per NIC.");
  for (const auto& [nic, n] : carrier_changes) Sample(out, "failoverd_carrier_changes_total", "nic", nic, std::to_string(n));
  Header(out, "failoverd_netlink_resyncs_total", "counter", "Full re-reads of the kernel's links.");
  Sample(out, "failoverd_netlink_resyncs_total", "", "", std::to_string(resyncs));
  Header(out, "failoverd_netlink_overflows_total", "counter",
         "Times the kernel dropped link notifications (ENOBUFS); each is followed by a full re-read.");
  Sample(out, "failoverd_netlink_overflows_total", "", "", std::to_string(netlink_overflows));
  Header(out, "failoverd_firewall_restores_total", "counter",
         "Times table inet failoverd was put back after someone else changed, flushed or replaced it.");
  Sample(out, "failoverd_firewall_restores_total", "", "", std::to_string(firewall_restores));
  SecondsGauge(out, "failoverd_last_firewall_repair_window_seconds",
               "The last repair of table inet failoverd, from someone's change being noticed until the table was back.",
               last_firewall_repair_seconds, 6);
  Header(out, "failoverd_conntrack_swept_total", "counter",
         "Connection-tracking entries to the host deleted after a repair: opened while table inet failoverd was "
         "missing, never accepted by a zone.");
  Sample(out, "failoverd_conntrack_swept_total", "", "", std::to_string(conntrack_swept));
  Header(out, "failoverd_fast_failovers_total", "counter",
         "Standbys attached at once (one netlink write) on an active port's carrier loss.");
  Sample(out, "failoverd_fast_failovers_total", "", "", std::to_string(fast_failovers));
  Header(out, "failoverd_early_carrier_losses_total", "counter",
         "Carrier losses of active ports found by asking the kernel before its (batched) notification came.");
  Sample(out, "failoverd_early_carrier_losses_total", "", "", std::to_string(early_carrier_losses));
  Header(out, "failoverd_failed_actions_total", "counter", "Kernel changes that failed.");
  Sample(out, "failoverd_failed_actions_total", "", "", std::to_string(failed_actions));
  SecondsGauge(out, "failoverd_last_failover_duration_seconds",
               "From the start of the decision to fail over until the new port was attached and announced.",
               last_failover_seconds, 6);
  SecondsGauge(out, "failoverd_last_rollback_duration_seconds",
               "The last rollback of an unconfirmed apply, from its start until the state was checked against the record.",
               last_rollback_seconds, 3);
  Header(out, "failoverd_nics_left_alone_total", "counter",
         "Times a live NIC (someone's address or route on it) was judged to be left alone.");
  Sample(out, "failoverd_nics_left_alone_total", "", "", std::to_string(nics_left_alone));
  Header(out, "failoverd_nics_left_alone", "gauge", "Live NICs failoverd leaves alone now (see failoverctl status).");
  Sample(out, "failoverd_nics_left_alone", "", "", std::to_string(gauges.left_alone));
  Header(out, "failoverd_state_save_failures_total", "counter",
         "Writes of state.json that failed (the lock held by another process, a full or read-only filesystem); each is retried.");
  Sample(out, "failoverd_state_save_failures_total", "", "", std::to_string(state_save_failures));
  Header(out, "failoverd_state_unsaved", "gauge", "1 while state.json holds less than the daemon knows (a save is due).");
  Sample(out, "failoverd_state_unsaved", "", "", gauges.state_unsaved ? "1" : "0");
  Header(out, "failoverd_log_messages_dropped_total", "counter",
         "Log messages dropped because stderr (the journal) did not take them and the queue was full.");
  Sample(out, "failoverd_log_messages_dropped_total", "", "", std::to_string(gauges.log_messages_dropped));
  Header(out, "failoverd_policy_fallback", "gauge",
         "1 when the policy in force is the last good one instead of the policy file, with the reason.");
  for (const char* reason : {"invalid", "unconfirmed"})
    Sample(out, "failoverd_policy_fallback", "reason", reason, gauges.policy_fallback == reason ? "1" : "0");
  Header(out, "failoverd_bridge_up", "gauge", "1 when the bridge exists and is up.");
  for (const auto& [bridge, up] : bridge_up) Sample(out, "failoverd_bridge_up", "bridge", bridge, up ? "1" : "0");
  Header(out, "failoverd_nic_carrier", "gauge", "1 when the NIC has carrier.");
  for (const auto& [nic, carrier] : nic_carrier) Sample(out, "failoverd_nic_carrier", "nic", nic, carrier ? "1" : "0");
  return out;
}

}  // namespace failoverd
