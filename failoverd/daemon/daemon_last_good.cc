// The last good policy and the start confirm window (last_good.h, start_policy.h):
// what the daemon keeps as the policy to fall back to, when it becomes so, and the
// window under which a policy changed since the last good start runs.
#include <set>

#include "failoverd/core/nic_match.h"
#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"

namespace failoverd {

namespace {

constexpr const char* kPendingStart = "pending_start";
constexpr const char* kDeclinedStart = "declined_start";

// A pattern nft can match as an interface name: literal, or with one trailing '*'.
bool NftCanMatch(const std::string& glob) {
  const size_t star = glob.find_first_of("*?[");
  return star == std::string::npos || (star == glob.size() - 1 && glob.back() == '*');
}

}  // namespace

void Daemon::SetPolicyOrigin(PolicyOrigin origin) {
  origin_ = std::move(origin);
  if (!origin_.pinned_zones.empty()) executor_.SetPinnedZones(origin_.pinned_zones);
}

void Daemon::StartedSuccessfully() {
  if (origin_.fallback.empty() && !windows_.IsOpen(kStartWindow)) RecordLastGood("started successfully");
}

void Daemon::RecordLastGood(const std::string& why) {
  if (policy_path_.empty() || !origin_.fallback.empty()) return;
  auto copy = CopyPolicy(policy_path_, policy_);
  if (!copy) {
    log_->error("cannot keep {} as the last good policy: {}", policy_path_, copy.message());
    return;
  }
  const LastGood last_good(policy_.daemon.state_dir);
  if (!origin_.last_good || origin_.last_good->copy != *copy) {
    if (Status saved = last_good.Save(*copy, clock_.WallNow()); !saved) {
      log_->error("cannot save the last good policy {}: {}", last_good.path(), saved.message());
      return;
    }
    origin_.last_good = LastGood::Saved{*copy, FormatRfc3339(clock_.WallNow())};
    log_->info("{} is the last good policy now ({}); kept in {}", policy_path_, why, last_good.path());
  }
  // A policy that runs is no longer one that was declined.
  if (state_.SetSection(kDeclinedStart, nullptr))
    SaveState();

  // The zero phase an early-boot unit loads before failoverd runs: everything dropped
  // but what this policy excludes, leaves alone or gives a zone of its own, so a host
  // whose failoverd cannot start keeps its management NIC.
  firewall::TableSpec spec;
  spec.before_takeover = true;
  spec.nic_prefix = policy_.nics.prefix;
  std::set<std::string> governed;
  for (const auto& bridge : policy_.bridges) governed.insert(bridge.name);
  for (const auto& [name, zone] : interface_zones_.installed()) {
    governed.insert(name);
    spec.zones.push_back({name, zone});
  }
  spec.governed.assign(governed.begin(), governed.end());
  std::set<std::string> open;
  for (const auto& [ifindex, link] : observed_.links()) {
    if (link.is_bridge() || link.name == "lo") continue;
    bool excluded = false;
    for (const auto& selector : policy_.nics.exclude) excluded = excluded || core::MatchesSelector(selector, link);
    if (excluded || live_nics_.left_alone().count(ifindex)) open.insert(link.name);
  }
  for (const auto& selector : policy_.nics.exclude)
    if (selector.kind == policy::NicSelector::Kind::kName && NftCanMatch(selector.pattern)) open.insert(selector.pattern);
  for (const auto& name : governed) open.erase(name);
  spec.open.assign(open.begin(), open.end());
  const std::string text = "#!/usr/sbin/nft -f\n# Written by failoverd from its last good policy (" + policy_path_ +
                           ", " + origin_.last_good->saved_at +
                           "): the zero phase for an early-boot unit. Everything is dropped but loopback,\n"
                           "# replies, and the interfaces that policy excluded, left alone or gave a zone.\n" +
                           firewall::TableScript(spec);
  const LastGood where(policy_.daemon.state_dir);
  if (auto old = ReadWholeFile(where.zero_phase_path()); !old || *old != text)
    if (Status written = WriteFileAtomically(where.zero_phase_path(), text); !written)
      log_->error("cannot write {}: {}", where.zero_phase_path(), written.message());
}

std::optional<std::string> Daemon::ConfirmStartWindow() {
  if (!windows_.Close(kStartWindow)) return std::nullopt;
  state_.SetSection(kPendingStart, nullptr);
  SaveState();
  RecordLastGood("confirmed after start");
  const std::string message = "policy " + policy_path_ + " confirmed; it is the last good policy now";
  events_.Add(clock_.WallNow(), "policy", message);
  log_->info("{}", message);
  return message;
}

void Daemon::ExpireStartWindow() {
  const std::string fingerprint = state_.Section(kPendingStart).value("fingerprint", "");
  state_.SetSection(kPendingStart, nullptr);
  state_.SetSection(kDeclinedStart, {{"fingerprint", fingerprint}, {"at", FormatRfc3339(clock_.WallNow())}});
  SaveState();
  if (!origin_.last_good) return;
  auto restored = failoverd::Restore(origin_.last_good->copy, LastGood(policy_.daemon.state_dir).path());
  if (!restored) {
    log_->critical("the changed policy was not confirmed, but {}; it stays", restored.message());
    events_.Add(clock_.WallNow(), "error", "start window expired; " + restored.message());
    return;
  }
  const std::string message = "policy " + policy_path_ + " was not confirmed in time: back to the last good policy (" +
                              origin_.last_good->saved_at + ")";
  log_->warn("{}", message);
  events_.Add(clock_.WallNow(), "policy", message);
  origin_.fallback = "unconfirmed";
  origin_.message = message;
  auto applied = ApplyPolicy(std::move(restored->policy), std::move(restored->zones));
  if (!applied) {
    log_->critical("going back to the last good policy failed: {}", applied.message());
    events_.Add(clock_.WallNow(), "error", "going back to the last good policy failed: " + applied.message());
  }
}

nlohmann::json Daemon::PolicyJson() const {
  const ConfirmWindows::Window* window = windows_.Find(kStartWindow);
  const nlohmann::json pending = window ? windows_.Json(*window) : nlohmann::json();
  return {{"file", policy_path_},
          {"running", origin_.fallback.empty() ? "file" : "last-good"},
          {"fallback", origin_.fallback.empty() ? nlohmann::json() : nlohmann::json(origin_.fallback)},
          {"message", origin_.message},
          {"last_good_saved_at", origin_.last_good ? nlohmann::json(origin_.last_good->saved_at) : nlohmann::json()},
          {"pending_start", pending}};
}

}  // namespace failoverd
