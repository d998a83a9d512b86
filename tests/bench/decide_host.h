// DecideHost: the whole input of one Decide() + MakePlan() call for a made-up
// host with N managed NICs and N/2 active-backup bridges, each bridge preferring
// two NICs (hweth2j first, hweth2j+1 second) and already running on its first
// one. It is what bench_decide times: the decision path a failover takes, with
// no kernel, at host sizes from a small router to a large hypervisor.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "failoverd/core/decision.h"
#include "failoverd/core/observed.h"
#include "failoverd/core/plan.h"
#include "policy/policy.h"

namespace failoverd::bench {

struct DecideHost {
  policy::Policy policy;
  core::ObservedState observed;
  std::map<MacAddress, std::string> remembered_names;  // every NIC keeps its hwethN name
  core::Progress progress;                             // every NIC prepared, every zone installed
  MonoTime now{};
  std::vector<int> nic_ifindexes;                      // hweth0, hweth1, ... in order
  std::vector<int> bridge_ifindexes;                   // lan0, lan1, ... in order

  core::Decision Decide() const;
  core::Plan DecideAndPlan() const;
};

// A settled host: every bridge up with its first preferred NIC enslaved, every
// NIC with carrier for an hour. Decide + MakePlan must give an empty plan.
DecideHost MakeSettledHost(int nic_count);

// The active NIC of bridge lan0 (hweth0) loses carrier at `now` (hold-down 0).
// Decide + MakePlan must give: detach hweth0, attach hweth1, announce.
void LoseCarrierOfFirstActive(DecideHost& host);

// "detach hweth0>lan0, attach hweth1>lan0, ..." — for the check that each case
// really is the case it claims to be.
std::string DescribePlan(const core::Plan& plan);

}  // namespace failoverd::bench
