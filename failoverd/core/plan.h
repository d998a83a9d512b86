// The plan: the ordered kernel changes that take the observed state to the
// decided one. MakePlan is pure; the daemon's executor carries a plan out, one
// acknowledged request at a time.
//
// Order matters and is fixed: renames (so a NIC called like a bridge gives the name
// up before the bridge is created), NIC preparation, bridges (created down, zone
// installed, up, then addresses and gateway), detaches, and only then attaches — so no bridge
// ever has two NICs forwarding, not even for a moment.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "failoverd/core/decision.h"
#include "failoverd/core/kernel_ops.h"

namespace failoverd::core {

struct Action {
  enum class Type {
    kRename,        // bring the NIC down and rename it (to `name`)
    kPrepareNic,    // no addresses, IPv6 off, ARP answered for nothing (NIC `name`)
    kLinkUp,        // bring the NIC up so it senses carrier
    kCreateBridge,  // create bridge `bridge`, down, per `spec`
    kInstallZone,   // install the firewall zone of `bridge` in one transaction
    kBridgeUp,      // bring `bridge` up (only after its zone is in place)
    kConfigureL3,   // static addresses and gateway of `bridge` (after it is up: see plan.cc)
    kDetach,        // release the NIC from its bridge (`bridge` = the one it leaves)
    kAttach,        // enslave the NIC to `bridge`
    kAnnounce,      // gratuitous ARP / unsolicited NA out of the NIC for `bridge`
    kUpdateBridge,  // give existing bridge `bridge` the MAC, STP and forward delay of `spec`, and the mark
    kDeleteBridge,  // delete bridge `bridge` (no longer in the policy) and then its zone
    kRemoveZone,    // remove `bridge`'s zone: its name is now held by a link failoverd does not govern
  };
  Type type = Type::kLinkUp;
  int ifindex = 0;     // the NIC, for NIC actions
  std::string name;    // the NIC's name when the action runs
  std::string bridge;  // the bridge concerned, if any
  BridgeSpec spec;     // kCreateBridge only
  std::string reason;

  std::string Describe() const;  // "hweth1: attach to eth0 (hweth0 lost carrier; ...)"
};

// What the daemon has already done in this run, which the kernel's link table does
// not show: sysctls set, zones installed, addresses configured, bridges given up on.
struct Progress {
  std::set<int> prepared_nics;
  std::set<std::string> zoned_bridges;
  std::set<std::string> configured_bridges;
  std::map<std::string, std::string> bridge_errors;  // bridge -> why it stays down
  // bridge -> its last step that failed, in the kernel's words, until one of its steps
  // works again (the step is retried with the reconcile's backoff meanwhile).
  std::map<std::string, std::string> bridge_failures;
  // Ports the fast path attached (bridge -> port ifindex) whose announcements are
  // still due: the plan announces out of them although they are already attached.
  std::map<std::string, int> unannounced_ports;

  // Left behind by a reload, until carried out:
  std::set<std::string> bridges_to_update;  // existing bridges whose MAC, STP or forward delay changed
  std::set<std::string> retired_bridges;    // bridges failoverd made that the policy no longer has
  // Bridges without failoverd's mark that are its own all the same (OwnedAtStart): the
  // update that brings them to the policy marks them.
  std::set<std::string> unmarked_own_bridges;
  // Bridges failoverd made or took in this run, by ifindex: its own whatever their
  // alias says later (someone clearing it is undone, and never opens the firewall).
  std::set<int> own_bridges;
  // Addresses and default routes the previous policy put on a bridge and the new one does not.
  std::map<std::string, std::vector<IpPrefix>> stale_addresses;
  std::map<std::string, IpAddress> stale_gateways;
};

struct Plan {
  std::vector<Action> actions;
  // Bridges that cannot be set up and why (e.g. the name is held by a link failoverd
  // does not manage). Reported in status; no action is planned for them.
  std::map<std::string, std::string> blocked;
  bool empty() const { return actions.empty(); }
};

// Whether failoverd may change the bridge `link` (a bridge with a policy bridge's
// name): it carries failoverd's mark, or is one of `progress.own_bridges` or
// `progress.unmarked_own_bridges`.
bool IsOwnBridge(const LinkInfo& link, const Progress& progress);

// Bridges that lack failoverd's mark at start and are failoverd's all the same:
// - `made_before_marks`: listed by a failoverd older than the marks (state.json format 1);
// - `listed`: in state.json's bridges, and still down with no port — a bridge failoverd
//   created and died before marking (between two netlink messages). Such a bridge
//   carries nothing, so taking it cannot cut anyone off.
// Any other unmarked bridge with a policy bridge's name is someone else's.
std::set<std::string> OwnedAtStart(const policy::Policy& policy, const ObservedState& observed,
                                   const std::set<std::string>& made_before_marks, const std::set<std::string>& listed);

Plan MakePlan(const policy::Policy& policy, const Decision& decision,
              const ObservedState& observed, const Progress& progress);

const char* ToString(Action::Type type);

}  // namespace failoverd::core
