// The guarded isolate (issue 7): the facts the guard judges by, read from the
// policy and the kernel, and isolates waiting for `failoverctl confirm` — recorded
// in state.json's "pending_isolate" before the ports are detached, restored by a
// timer at the deadline, or at the next start when the daemon stopped inside the
// window. The guard's verdict itself is core/isolate_guard.cc's.
#include <algorithm>

#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/overrides_json.h"

namespace failoverd {

namespace {
constexpr const char* kSection = "pending_isolate";
}  // namespace

core::IsolateFacts Daemon::IsolateFactsOf(const policy::Bridge& bridge, const std::optional<IpAddress>& session) {
  core::IsolateFacts facts;
  facts.bridge = bridge.name;
  facts.policy_gateway = bridge.gateway;
  facts.addresses = bridge.addresses;
  facts.session = session;
  const core::LinkInfo* link = observed_.FindByName(bridge.name);
  if (!link || !link->is_bridge()) return facts;  // no bridge yet: nothing goes through it
  if (auto routes = kernel_.ListDefaultRoutes(); !routes) {
    facts.routes_unknown = routes.message();
  } else {
    for (const auto& route : *routes)
      if (route.ifindex == link->ifindex) facts.default_routes.push_back(route);
  }
  if (!session) return facts;
  // The kernel's addresses too: one from DHCP or added by hand is not in the policy.
  if (auto addresses = kernel_.ListAddresses(link->ifindex); !addresses) {
    facts.addresses_unknown = addresses.message();
  } else {
    facts.addresses.insert(facts.addresses.end(), addresses->begin(), addresses->end());
  }
  return facts;
}

nlohmann::json Daemon::PendingIsolateSection() const {
  if (pending_isolates_.empty()) return nullptr;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [bridge, pending] : pending_isolates_)
    list.push_back({{"bridge", bridge},
                    {"deadline", FormatRfc3339(pending.deadline)},
                    {"confirm_seconds", pending.confirm_seconds}});
  return list;
}

Status Daemon::StartPendingIsolate(const std::string& bridge, int confirm_seconds) {
  const MonoTime due = clock_.Now() + std::chrono::seconds(confirm_seconds);
  pending_isolates_[bridge] = {clock_.WallNow() + std::chrono::seconds(confirm_seconds), confirm_seconds, 0};
  // The way back is on disk before the ports go: a crash from here on restores at the next start.
  state_.SetSection(kSection, PendingIsolateSection());
  state_.SetSection("overrides", OverridesToJson(overrides_));
  if (Status saved = state_.Save(); !saved) {
    pending_isolates_.erase(bridge);
    overrides_.isolated.erase(bridge);
    state_.SetSection(kSection, PendingIsolateSection());
    state_.SetSection("overrides", OverridesToJson(overrides_));
    return Status::Error("cannot record the way back in " + state_.path() + ": " + saved.message() +
                         "; nothing was isolated");
  }
  pending_isolates_[bridge].timer = loop_.AddTimer(due, [this, bridge] { RestoreUnconfirmedIsolate(bridge); });
  return Status::Ok();
}

bool Daemon::DropPendingIsolate(const std::string& bridge) {
  auto it = pending_isolates_.find(bridge);
  if (it == pending_isolates_.end()) return false;
  loop_.CancelTimer(it->second.timer);
  pending_isolates_.erase(it);
  state_.SetSection(kSection, PendingIsolateSection());
  return true;
}

void Daemon::RestoreUnconfirmedIsolate(const std::string& bridge) {
  auto it = pending_isolates_.find(bridge);
  if (it == pending_isolates_.end()) return;
  const int seconds = it->second.confirm_seconds;
  pending_isolates_.erase(it);  // the timer has fired: nothing to cancel
  state_.SetSection(kSection, PendingIsolateSection());
  overrides_.isolated.erase(bridge);
  log_->warn("{}: isolation not confirmed within {} s; restoring it", bridge, seconds);
  CommitOverrides(bridge + ": restored: isolation not confirmed within " + std::to_string(seconds) + " s");
}

std::vector<std::string> Daemon::ConfirmIsolates() {
  std::vector<std::string> confirmed;
  for (const auto& [bridge, pending] : pending_isolates_) {
    loop_.CancelTimer(pending.timer);
    const std::string message = "isolation of " + bridge + " confirmed: it stays isolated until `failoverctl restore " +
                                bridge + "`";
    events_.Add(clock_.WallNow(), "override", message);
    log_->info("{}", message);
    confirmed.push_back(message);
  }
  if (confirmed.empty()) return confirmed;
  pending_isolates_.clear();
  state_.SetSection(kSection, nullptr);
  SaveState();
  return confirmed;
}

void Daemon::UndoIsolatesLeftPending() {
  const nlohmann::json pending = state_.Section(kSection);  // a copy: cleared below
  if (pending.is_null()) return;
  if (pending.is_array()) {
    for (const auto& entry : pending) {
      const auto bridge = entry.is_object() ? entry.find("bridge") : entry.end();
      if (bridge == entry.end() || !bridge->is_string()) continue;
      const std::string name = bridge->get<std::string>();
      const auto at = entry.find("deadline");
      const std::string deadline = at != entry.end() && at->is_string() ? at->get<std::string>() : "?";
      const bool was_isolated = overrides_.isolated.erase(name) > 0;
      const std::string message = name + ": restored at start: failoverd stopped before `failoverctl confirm` of its "
                                  "isolation (window until " + deadline + ")" +
                                  (was_isolated ? "" : "; it was not isolated any more");
      log_->warn("{}", message);
      events_.Add(clock_.WallNow(), "override", message);
    }
  } else {
    log_->warn("state.json held an unreadable {} section; it was dropped", kSection);
  }
  state_.SetSection(kSection, nullptr);
  state_.SetSection("overrides", OverridesToJson(overrides_));
  SaveState();
}

nlohmann::json Daemon::PendingIsolateJson() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [bridge, pending] : pending_isolates_) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(pending.deadline - clock_.WallNow());
    list.push_back({{"bridge", bridge},
                    {"deadline", FormatRfc3339(pending.deadline)},
                    {"seconds_left", std::max<int64_t>(0, left.count())},
                    {"confirm_seconds", pending.confirm_seconds}});
  }
  return list;
}

std::string Daemon::PendingIsolateNote(const std::string& bridge) const {
  auto it = pending_isolates_.find(bridge);
  if (it == pending_isolates_.end()) return "";
  return "restored at " + FormatRfc3339(it->second.deadline) + " unless `failoverctl confirm` within " +
         std::to_string(it->second.confirm_seconds) + " s";
}

}  // namespace failoverd
