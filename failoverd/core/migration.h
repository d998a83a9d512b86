// Converting a live host onto the scheme (`failoverd --migrate`, or the first start
// on a host whose NIC named like a bridge still carries addresses): which NICs are
// to be converted, and why one may not be. Pure: the kernel edge gathers the facts
// (addresses, processes, network managers' state), these functions judge them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/observed.h"
#include "policy/policy.h"

namespace failoverd::core {

// One address of a NIC as the kernel shows it.
struct AddressFact {
  IpPrefix prefix;
  bool permanent = true;   // IFA_F_PERMANENT: no lease lifetime
  uint32_t valid_lft = 0;  // seconds, when not permanent
  bool link_local = false; // IPv6 fe80::/10, made by the kernel itself
};

// A process in this network namespace, by its command line.
struct ProcessFact {
  int pid = 0;
  std::vector<std::string> argv;
};

// What else may be configuring the NICs.
struct ManagerFacts {
  std::vector<ProcessFact> processes;
  // systemd-networkd's ADMIN_STATE of the NIC (/run/systemd/netif/links/IFINDEX), when it runs here.
  std::optional<std::string> networkd_state;
  // NetworkManager's "managed" of the NIC, when it runs here and keeps a device file.
  std::optional<bool> nm_managed;
};

struct MigrationCandidate {
  std::string bridge;  // == the NIC's name now
  int ifindex = 0;
  MacAddress mac;      // its current MAC, which the bridge takes
  std::vector<IpPrefix> addresses;  // what moves to the bridge (link-local left out)
};

// A bridge with a policy bridge's name that failoverd did not make, which
// `failoverd --migrate` takes over: marked as failoverd's, given its zone, its
// NICs managed, brought to the policy — under the same confirm window.
struct BridgeTakeover {
  std::string bridge;
  int ifindex = 0;
  MacAddress mac;          // its MAC now, which it keeps
  std::vector<int> ports;  // its ports now
  std::vector<IpPrefix> addresses;  // its addresses now (link-local left out)
};

// Policy bridges whose name is held by a bridge failoverd did not make: no mark,
// and not in `taken_back` (the unmarked bridges a start takes back, OwnedAtStart).
std::vector<BridgeTakeover> FindForeignBridges(const policy::Policy& policy, const ObservedState& observed,
                                               const std::map<int, std::vector<AddressFact>>& addresses,
                                               const std::set<std::string>& taken_back);

// Why taking `takeover` over could cut the host off; "" when it would not:
//  - a port the policy does not select, other than a guest's tap: it may be an uplink
//    of its own, and a second path to the same switch through the policy's NIC
//    would make a loop;
//  - the policy would give the bridge another MAC (neighbours' caches, DHCP
//    reservations), or turn its STP on or off (its ports stop for twice the forward
//    delay, then again at a rollback);
//  - the bridge forwards through a NIC of the policy that has carrier, and the policy
//    would put another NIC in its place.
std::string TakeoverProblem(const policy::Policy& policy, const Decision& decision, const ObservedState& observed,
                            const BridgeTakeover& takeover);

// Policy bridges whose name is held by a managed NIC (not a bridge) that carries
// addresses other than an IPv6 link-local one.
std::vector<MigrationCandidate> FindMigrationCandidates(const policy::Policy& policy, const ObservedState& observed,
                                                        const std::map<int, std::vector<AddressFact>>& addresses);

// Why `nic` must not be converted because something else configures it (a DHCP
// client, a lease lifetime, systemd-networkd, NetworkManager) and what to change
// first; "" when nothing does.
std::string ManagerProblem(const std::string& nic, const std::vector<AddressFact>& addresses,
                           const ManagerFacts& managers);

// Why the daemon, deciding on this host now, would not keep the candidate as the
// active port of its bridge with the candidate's MAC (so the conversion would
// change the host's MAC or leave the bridge without the NIC); "" when it would.
std::string DecisionProblem(const Decision& decision, const ObservedState& observed,
                            const MigrationCandidate& candidate);

}  // namespace failoverd::core
