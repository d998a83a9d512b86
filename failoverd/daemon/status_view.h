// StatusView: the bridges and NICs as `failoverctl status` shows them, and one NIC as
// `failoverctl probe` does, built from read-only state — the last decision, the links
// as observed, what the executor has done and what blocks a bridge, the probes'
// evidence, the roles' times and the NICs left alone. It changes nothing; the daemon
// makes one when asked and adds what only it knows (windows, state file, policy).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "failoverd/common/status.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/observed.h"
#include "failoverd/core/plan.h"
#include "failoverd/daemon/live_nic_watch.h"
#include "failoverd/daemon/probe_manager.h"
#include "failoverd/daemon/role_log.h"
#include "policy/policy.h"

namespace failoverd {

struct StatusSources {
  const policy::Policy& policy;
  const core::ObservedState& observed;
  const core::Decision& decision;
  const core::Progress& progress;
  const std::map<std::string, std::string>& blocked;  // bridges the last plan could not set up, and why
  const ProbeManager& probes;
  const RoleLog& roles;
  const LiveNicWatch& live_nics;
};

class StatusView {
 public:
  explicit StatusView(const StatusSources& sources) : s_(sources) {}

  // Each bridge of the decision: state, error, MAC, zone, active port and ports.
  nlohmann::json Bridges() const;
  // Each NIC of the decision, then each NIC left alone with why.
  nlohmann::json Nics() const;
  // What the probes saw on the managed NIC `name` and what it was matched to.
  Result<nlohmann::json> Probe(const std::string& name) const;

 private:
  nlohmann::json Bridge(const core::BridgeDecision& bridge) const;
  // The fields every NIC shows, whatever its role.
  nlohmann::json Link(const core::LinkInfo& link) const;
  nlohmann::json Seen(int ifindex) const;
  std::string ProbeMessage(const std::string& name, const core::NicDecision& nic) const;

  StatusSources s_;
};

}  // namespace failoverd
