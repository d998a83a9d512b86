// FailoverRound: one measured failover on the lab's bridge, the same for every
// contender (failoverd, the `ip monitor` shell script, a Linux bridge with STP):
//   1. the active NIC is the one of the bridge's ports the kernel says forwards;
//   2. (storm runs) the daemon is frozen with SIGSTOP, a batch of link changes runs;
//   3. the switch end of the active NIC's cable goes down (acknowledged RTM_SETLINK),
//      or, for unplug rounds, the cable is deleted and the NIC with it;
//   4. t0 = the notification that the active NIC lost carrier or was removed (or, for
//      a frozen daemon, the SIGCONT that lets it go on);
//   5. t1 = the AF_BRIDGE notification that the other NIC is a forwarding port of
//      the bridge (IFLA_MASTER = bridge, IFLA_BRPORT_STATE = BR_STATE_FORWARDING) —
//      the moment frames can pass, whether a port was attached or unblocked;
//   6. the caller's check (failoverctl status) is polled until the contender is done
//      with the failover; then the cable is restored (unplug rounds: a NIC with the
//      same MAC is plugged in, and the round waits for the daemon to give it the old
//      name) and the lab is waited on (poll with a deadline) until it has settled:
//      exactly one forwarding NIC again, plus the caller's check.
// Both times come from the one LinkWatch reader in the server's namespace.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "echo_stream.h"
#include "failoverd/common/status.h"
#include "link_watch.h"
#include "switch_port.h"

namespace failoverd::bench {

struct LabNic {
  std::string name;  // in the server namespace
  int ifindex = 0;
  std::string mac;  // what a replugged NIC gets
  std::unique_ptr<SwitchPort> cable;  // the switch end
};

struct RoundSetup {
  std::string netns;  // the server's lab namespace (this process runs in it)
  int bridge_ifindex = 0;
  std::vector<LabNic>* nics = nullptr;
  LinkWatch* watch = nullptr;
  EchoStream* stream = nullptr;  // optional
  // Run with bash -c in the server namespace until it exits 0, after the failover and
  // again after the restore, with
  // $1 = the NIC that took over, $2 = the NIC whose cable came back.
  std::string settle_cmd;
  // STP: after the cable is back the bridge picks the forwarding port itself.
  bool expect_swap = true;
  pid_t freeze_pid = 0;     // SIGSTOP before the cut, SIGCONT = t0
  std::string storm_batch;  // `ip -batch` file run while frozen
  bool unplug = false;      // remove the active NIC instead of cutting its carrier
  // bash -c texts run in the server namespace: right before the cut (e.g. kill the
  // daemon), and once the standby forwards (e.g. start it again); each must exit 0.
  std::string before_cut_cmd, after_forward_cmd;
  std::chrono::milliseconds timeout{30000};
};

struct RoundResult {
  std::string from, to;      // NIC names: lost carrier, took over
  double cut_to_forward_ms = 0;
  double t0_to_forward_ms = 0;  // carrier-loss notification (or SIGCONT) -> forwarding
  double cut_to_carrier_ms = 0; // the kernel's own carrier report
  double storm_ms = 0;          // the storm batch's run time
  std::optional<StreamOutage> outage;
};

Result<RoundResult> RunFailoverRound(const RoundSetup& setup);

}  // namespace failoverd::bench
