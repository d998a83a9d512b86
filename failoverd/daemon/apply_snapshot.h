// ApplySnapshot: the state a policy produced, as `failoverctl apply --confirm`
// records it before anything changes (state.json, "pending_apply"), and as the
// rollback takes it again afterwards to say whether it got exactly back there.
// Taking one reads the daemon's picture (links, roles, installed zones) and asks
// the kernel what each bridge carries at layer 3; comparing two is pure. The JSON
// form is apply_snapshot_json.h's.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/observed.h"
#include "firewall/firewall.h"

namespace failoverd {

struct RecordedPort {
  std::string nic;  // its name at the time
  MacAddress identity;
  bool operator==(const RecordedPort&) const = default;
};

struct RecordedBridge {
  std::string name;
  bool present = true;  // the link exists; false: only its firewall zone is left
  MacAddress mac;
  std::optional<RecordedPort> active;  // the managed NIC enslaved to it
  std::vector<RecordedPort> standbys;  // NICs waiting to serve it, by name
  core::L3State l3;                    // global addresses and default routes it carries
  std::optional<firewall::ZoneFragment> zone;  // the rules installed for it
};

struct ApplySnapshot {
  std::vector<RecordedBridge> bridges;       // by name
  std::map<MacAddress, std::string> names;   // every managed NIC present: identity -> name

  const RecordedBridge* Find(const std::string& name) const;
  // What a rollback puts back: each bridge's zone rules, and its active port.
  std::map<std::string, firewall::ZoneFragment> Zones() const;
  std::map<std::string, MacAddress> ActivePorts() const;
};

struct SnapshotInput {
  const core::ObservedState& observed;
  const core::Decision& decision;
  const std::map<std::string, firewall::ZoneFragment>& installed_zones;
  // The bridges to look at; each is recorded if it exists or has a zone installed.
  std::set<std::string> bridges;
};

// Fails only when the kernel cannot say what a bridge carries.
Result<ApplySnapshot> TakeSnapshot(const SnapshotInput& input, core::KernelOps& kernel);

// How `now` differs from `recorded`, one line a person can read per difference
// ("eth0: active port hweth1 (02:…), recorded hweth0 (02:…)"); empty when identical.
std::vector<std::string> SnapshotDifferences(const ApplySnapshot& recorded, const ApplySnapshot& now);

}  // namespace failoverd
