// LiveNicWatch: which live NICs the daemon leaves alone now (core/live_nics.h), and
// which it could not judge yet. The daemon hands it the NICs to judge — every link at
// start and reload, each link that appears — and it reads the kernel, records the
// verdicts (a warning and an event when one changes, counted in metrics) and keeps
// them until the NIC goes or is judged again. Owned by the daemon.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/observed.h"
#include "failoverd/daemon/event_log.h"
#include "failoverd/daemon/metrics.h"
#include "policy/policy.h"

namespace failoverd {

class LiveNicWatch {
 public:
  LiveNicWatch(core::KernelOps& kernel, const Clock& clock, EventLog& events, Metrics& metrics);

  // NICs a conversion (`failoverd --migrate`) is taking over: live, but not left alone.
  void SetConverting(std::set<int> ifindexes) { converting_ = std::move(ifindexes); }
  // Judges the managed NICs among `candidates` that failoverd does not have yet. A NIC
  // whose configuration cannot be read is left alone and judged again at the next Judge.
  void Judge(const policy::Policy& policy, const core::ObservedState& observed, std::set<int> candidates);
  // Judges again what could not be judged, and each NIC in `appeared`.
  void JudgeNew(const policy::Policy& policy, const core::ObservedState& observed, const std::set<int>& appeared);
  void Forget(int ifindex);  // the link went

  // ifindex -> why, for core::DecisionInput::left_alone.
  const std::map<int, std::string>& left_alone() const { return left_alone_; }
  nlohmann::json ToJson(const core::ObservedState& observed) const;  // for status

 private:
  core::KernelOps& kernel_;
  const Clock& clock_;
  EventLog& events_;
  Metrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<int, std::string> left_alone_;
  std::set<int> unjudged_;
  std::set<int> converting_;
};

}  // namespace failoverd
