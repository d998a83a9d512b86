#include "failoverd/daemon/live_nic_watch.h"

#include "failoverd/core/live_nics.h"
#include "failoverd/core/nic_match.h"
#include "failoverd/runtime/logging.h"

namespace failoverd {

LiveNicWatch::LiveNicWatch(core::KernelOps& kernel, const Clock& clock, EventLog& events, Metrics& metrics)
    : kernel_(kernel), clock_(clock), events_(events), metrics_(metrics), log_(GetLogger("engine")) {}

void LiveNicWatch::Judge(const policy::Policy& policy, const core::ObservedState& observed, std::set<int> candidates) {
  // Only NICs the policy manages and failoverd does not have yet need the kernel read.
  std::erase_if(candidates, [&](int ifindex) {
    const core::LinkInfo* link = observed.Find(ifindex);
    const bool judged = link && core::IsManagedNic(policy.nics, *link) &&
                        !core::InFailoverdsHands(policy, observed, *link) && !converting_.count(ifindex);
    // A NIC this policy does not manage is no longer failoverd's to leave alone.
    if (!judged) left_alone_.erase(ifindex);
    return !judged;
  });
  for (const int ifindex : candidates) unjudged_.erase(ifindex);
  if (candidates.empty()) return;
  auto configs = kernel_.ReadLiveConfigs();
  std::map<int, std::string> verdicts;
  if (configs) {
    verdicts = core::JudgeLiveNics(policy, observed, *configs, candidates, converting_);
  } else {
    // Not knowing whether a NIC is live, failoverd must not take it; it asks again.
    for (const int ifindex : candidates) {
      verdicts[ifindex] = "left alone: its addresses and routes could not be read (" + configs.message() +
                          "); judged again at the next change";
      unjudged_.insert(ifindex);
    }
  }
  for (const int ifindex : candidates) {
    auto verdict = verdicts.find(ifindex);
    const std::string& name = observed.Find(ifindex)->name;
    if (verdict == verdicts.end()) {
      if (left_alone_.erase(ifindex)) log_->info("{}: no longer left alone: it carries nothing of anyone's now", name);
      continue;
    }
    if (left_alone_[ifindex] == verdict->second) continue;
    left_alone_[ifindex] = verdict->second;
    ++metrics_.nics_left_alone;
    log_->warn("{}: {}", name, verdict->second);
    events_.Add(clock_.WallNow(), "left-alone", name + ": " + verdict->second);
  }
}

void LiveNicWatch::JudgeNew(const policy::Policy& policy, const core::ObservedState& observed,
                            const std::set<int>& appeared) {
  std::set<int> candidates = unjudged_;
  candidates.insert(appeared.begin(), appeared.end());
  Judge(policy, observed, std::move(candidates));
}

void LiveNicWatch::Forget(int ifindex) {
  left_alone_.erase(ifindex);
  unjudged_.erase(ifindex);
}

nlohmann::json LiveNicWatch::ToJson(const core::ObservedState& observed) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [ifindex, reason] : left_alone_) {
    const core::LinkInfo* link = observed.Find(ifindex);
    out.push_back({{"name", link ? link->name : "?"},
                   {"perm_mac", link ? link->identity().ToString() : ""},
                   {"reason", reason}});
  }
  return out;
}

}  // namespace failoverd
