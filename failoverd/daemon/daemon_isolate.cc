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
  const auto pending = windows_.With(kIsolateWindow);
  if (pending.empty()) return nullptr;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, window] : pending)
    list.push_back({{"bridge", name.substr(std::string_view(kIsolateWindow).size())},
                    {"deadline", FormatRfc3339(window.deadline)},
                    {"confirm_seconds", window.seconds}});
  return list;
}

Status Daemon::StartPendingIsolate(const std::string& bridge, int confirm_seconds) {
  windows_.Open(kIsolateWindow + bridge, confirm_seconds,
                [this, bridge, confirm_seconds] { RestoreUnconfirmedIsolate(bridge, confirm_seconds); });
  // The way back is on disk before the ports go: a crash from here on restores at the next start.
  state_.SetSection(kSection, PendingIsolateSection());
  state_.SetSection("overrides", OverridesToJson(overrides_));
  if (Status saved = state_.Save(); !saved) {
    windows_.Close(kIsolateWindow + bridge);
    overrides_.isolated.erase(bridge);
    state_.SetSection(kSection, PendingIsolateSection());
    state_.SetSection("overrides", OverridesToJson(overrides_));
    return Status::Error("cannot record the way back in " + state_.path() + ": " + saved.message() +
                         "; nothing was isolated");
  }
  return Status::Ok();
}

bool Daemon::DropPendingIsolate(const std::string& bridge) {
  if (!windows_.Close(kIsolateWindow + bridge)) return false;
  state_.SetSection(kSection, PendingIsolateSection());
  return true;
}

void Daemon::RestoreUnconfirmedIsolate(const std::string& bridge, int seconds) {
  state_.SetSection(kSection, PendingIsolateSection());
  overrides_.isolated.erase(bridge);
  log_->warn("{}: isolation not confirmed within {} s; restoring it", bridge, seconds);
  CommitOverrides(bridge + ": restored: isolation not confirmed within " + std::to_string(seconds) + " s");
}

std::vector<std::string> Daemon::ConfirmIsolates() {
  std::vector<std::string> confirmed;
  for (const auto& [name, window] : windows_.With(kIsolateWindow)) {
    windows_.Close(name);
    const std::string bridge = name.substr(std::string_view(kIsolateWindow).size());
    const std::string message = "isolation of " + bridge + " confirmed: it stays isolated until `failoverctl restore " +
                                bridge + "`";
    events_.Add(clock_.WallNow(), "override", message);
    log_->info("{}", message);
    confirmed.push_back(message);
  }
  if (confirmed.empty()) return confirmed;
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
  for (const auto& [name, window] : windows_.With(kIsolateWindow)) {
    nlohmann::json entry = windows_.Json(window);
    entry["bridge"] = name.substr(std::string_view(kIsolateWindow).size());
    list.push_back(std::move(entry));
  }
  return list;
}

std::string Daemon::PendingIsolateNote(const std::string& bridge) const {
  const ConfirmWindows::Window* window = windows_.Find(kIsolateWindow + bridge);
  return window ? "restored at " + windows_.Until(*window) : "";
}

}  // namespace failoverd
