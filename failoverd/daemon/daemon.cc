#include "failoverd/daemon/daemon.h"

#include <cstdio>
#include <ctime>
#include <set>

#include "failoverd/core/nic_match.h"
#include "failoverd/daemon/overrides_json.h"
#include "failoverd/daemon/policy_checks.h"
#include "failoverd/runtime/logging.h"

namespace failoverd {

namespace {
constexpr int kMaxRoundsPerReconcile = 8;
constexpr int kDumpRetryMs = 50;
}  // namespace

Daemon::Daemon(policy::Policy policy, std::string machine_id, const Clock& clock, EventLoop& loop,
               core::KernelOps& kernel, firewall::Firewall& firewall, ProbeManager::SessionFactory probes,
               core::ConntrackSweeper* conntrack)
    : policy_(std::move(policy)),
      machine_id_(std::move(machine_id)),
      clock_(clock),
      loop_(loop),
      kernel_(kernel),
      firewall_(firewall),
      conntrack_(conntrack),
      log_(GetLogger("engine")),
      state_(policy_.daemon.state_dir),
      executor_(kernel, firewall_, events_, clock),
      live_nics_(kernel, clock, events_, metrics_),
      probes_(loop, clock,
              probes ? std::move(probes)
                     : ProbeManager::SessionFactory([](int, const std::string&, const MacAddress&) {
                         return Result<std::unique_ptr<core::CableSession>>(
                             Status::Error("cable probing is not available"));
                       }),
              [this] { Reconcile(); }) {
  state_.set_wait_for_lock(false);  // never wait for state.lock: SaveState retries
}

Daemon::~Daemon() {
  if (wakeup_timer_) loop_.CancelTimer(*wakeup_timer_);
}

void Daemon::SetAsideUnreadableState(const std::string& problem) {
  // A compact UTC time: the file name sorts by it and needs no quoting.
  const std::time_t now = std::chrono::system_clock::to_time_t(clock_.WallNow());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char suffix[32];
  std::strftime(suffix, sizeof(suffix), "%Y%m%dT%H%M%SZ", &utc);
  auto kept = state_.SetAside(suffix);
  state_note_ = "state.json could not be read (" + problem + "); " +
                (kept ? "kept as " + *kept : "and not kept: " + kept.message()) +
                "; names and overrides start from what the kernel shows";
  log_->error("{}", state_note_);
  events_.Add(clock_.WallNow(), "error", state_note_);
}

void Daemon::KeepNewerState(const std::string& problem) {
  state_note_ = problem + "; names and overrides start from what the kernel shows, and nothing is saved "
                "until a newer failoverd runs or the file is moved away";
  log_->error("{}", state_note_);
  events_.Add(clock_.WallNow(), "error", state_note_);
}

void Daemon::RememberOwnBridges() {
  for (const auto& bridge : policy_.bridges)
    if (const core::LinkInfo* link = observed_.FindByName(bridge.name); link && core::IsOwnBridge(*link, progress_))
      progress_.own_bridges.insert(link->ifindex);
}

void Daemon::TakeBackUnmarkedBridges() {
  progress_.unmarked_own_bridges = core::OwnedAtStart(policy_, observed_, StringsOf(state_.Section(StateStore::kMadeBeforeMarks)),
                                                      StringsOf(state_.Section("bridges")));
  RememberOwnBridges();
  for (const auto& name : progress_.unmarked_own_bridges)
    log_->warn("{}: bridge without failoverd's mark, made by failoverd (an older one, or one that stopped before "
               "marking it): taken back and marked",
               name);
}

Status Daemon::Start() {
  const MonoTime started = clock_.Now();
  if (Status loaded = state_.Load(); !loaded) {
    if (state_.written_by_newer()) KeepNewerState(loaded.message());
    else SetAsideUnreadableState(loaded.message());
  }
  if (startup_restore_) PrepareExactRestore(startup_restore_->recorded);
  overrides_ = OverridesFromJson(state_.Section("overrides"));
  UndoIsolatesLeftPending();
  // Bridges failoverd made that the policy no longer has go in the first reconcile.
  if (const nlohmann::json& managed = state_.Section("bridges"); managed.is_array())
    for (const auto& bridge : managed)
      if (bridge.is_string() && !policy_.FindBridge(bridge.get<std::string>()))
        progress_.retired_bridges.insert(bridge.get<std::string>());

  auto links = kernel_.DumpLinks();
  if (!links) return Status::Error("cannot read links: " + links.message());
  observed_.ReplaceAll(*links, clock_.Now(), /*initial=*/true);
  TakeBackUnmarkedBridges();
  std::set<int> all;
  for (const auto& [ifindex, link] : observed_.links()) all.insert(ifindex);
  live_nics_.Judge(policy_, observed_, std::move(all));

  // The table goes in first, atomically replacing any table left by an earlier run
  // (or the static zero phase): every policy bridge is governed from this moment,
  // and bridges that already exist get their zones in the same transaction, so they
  // are never without their rules. Interfaces failoverd does not manage pass.
  std::vector<firewall::BridgeZone> adopted;
  for (const auto& bridge : policy_.bridges) {
    const core::LinkInfo* link = observed_.FindByName(bridge.name);
    if (!link || !link->is_bridge() || !core::IsOwnBridge(*link, progress_)) continue;
    auto zone = ZoneOf(bridge, policy_.daemon.zones_dir, executor_.pinned_zones());
    if (!zone) {
      progress_.bridge_errors[bridge.name] = "firewall zone not installed: " + zone.message();
      continue;
    }
    adopted.push_back({bridge.name, *zone});
  }
  for (const auto& bridge : adopted) {
    progress_.zoned_bridges.insert(bridge.bridge);
    executor_.RecordInstalledZone(bridge.bridge, bridge.zone);
  }
  interface_zones_.Load(policy_, executor_.pinned_zones());
  // A sweep guard left by an earlier run goes with the same transaction (its timer went with that run).
  if (Status applied = firewall_.Apply(firewall::TableScript(CurrentTable()) + firewall::SweepGuardScript({}));
      !applied)
    return Status::Error("firewall table inet failoverd not installed: " + applied.message());
  zero_phase_ = true;
  events_.Add(clock_.WallNow(), "firewall",
              "table inet failoverd installed (" + std::to_string(adopted.size()) + " existing bridge zones kept, " +
                  std::to_string(interface_zones_.installed().size()) + " interface zones)");
  log_->info("firewall installed: {} bridge(s) of the policy governed, {} existing; {} interface zone(s)",
             policy_.bridges.size(), adopted.size(), interface_zones_.installed().size());

  if (!origin_.message.empty()) {
    if (origin_.fallback.empty()) log_->warn("{}", origin_.message);
    else log_->critical("{}", origin_.message);
    events_.Add(clock_.WallNow(), "policy", origin_.message);
  }
  if (origin_.window_deadline) {
    windows_.OpenUntil(kStartWindow, *origin_.window_deadline, [this] { ExpireStartWindow(); });
    origin_.window_deadline.reset();  // the window is windows_' from here on
  }

  Reconcile();
  if (startup_restore_) {
    FinishExactRestore(startup_restore_->recorded, startup_restore_->file, started);
    startup_restore_.reset();
    // Only now: a crash before this point restores again at the next start.
    state_.SetSection("pending_apply", nullptr);
    SaveState();
  }
  return Status::Ok();
}

core::Decision Daemon::DecideNow() const {
  return core::Decide({policy_, observed_, state_.names(), machine_id_, clock_.Now(), &probes_.evidence(), &overrides_,
                       &restore_active_, &live_nics_.left_alone()});
}

bool Daemon::Refresh() {
  auto links = kernel_.DumpLinks();
  if (!links) {
    log_->error("cannot re-read links: {}", links.message());
    return false;
  }
  const core::LinkChanges changes = observed_.ReplaceAll(*links, clock_.Now());
  // Links of failoverd's (managed NICs, policy bridges) are logged at info; the rest
  // (VM taps, containers' veths) at debug, and only managed NICs are counted.
  auto ours = [this](const core::LinkInfo& link) {
    return core::IsManagedNic(policy_.nics, link) || (link.is_bridge() && policy_.FindBridge(link.name));
  };
  auto level = [&](const core::LinkInfo& link) { return ours(link) ? spdlog::level::info : spdlog::level::debug; };
  for (const auto& link : changes.appeared) log_->log(level(link), "{}: appeared (ifindex {})", link.name, link.ifindex);
  for (const auto& link : changes.removed) {
    log_->log(level(link), "{}: removed", link.name);
    progress_.prepared_nics.erase(link.ifindex);
    live_nics_.Forget(link.ifindex);
  }
  // A NIC that appears (hot-plug) is judged before anything is done to it.
  std::set<int> appeared;
  for (const auto& link : changes.appeared) appeared.insert(link.ifindex);
  live_nics_.JudgeNew(policy_, observed_, appeared);
  for (const auto& link : changes.carrier_changed) {
    log_->log(level(link), "{}: carrier {}", link.name, link.carrier ? "up" : "down");
    if (core::IsManagedNic(policy_.nics, link)) ++metrics_.carrier_changes[link.name];
  }
  return true;
}

void Daemon::PollProbes() {
  probes_.PollAll();
  Reconcile();
}

void Daemon::Resync() {
  ++metrics_.resyncs;
  if (Refresh()) {
    Reconcile();
    return;
  }
  // The dump failed (during a storm it can keep changing under us): try again soon
  // instead of waiting for an event that may never come.
  retry_.After(kDumpRetryMs, [this] { Resync(); });
}

void Daemon::Reconcile() {
  if (reconciling_) return;  // events raised by our own changes are picked up by the re-dump
  reconciling_ = true;
  const MonoTime started = clock_.Now();
  ReadNamesOfNewNics();
  bool retry = false;
  bool unfinished = false;  // the last round was interrupted: its plan is not done
  for (int round = 0; round < kMaxRoundsPerReconcile; ++round) {
    unfinished = false;
    decision_ = DecideNow();
    // Probes follow the links (a link-up starts a fresh fingerprint, carrier loss
    // forgets it); when that changed the evidence, decide again on what they hold now.
    if (probes_.Sync(policy_, observed_, decision_, state_.networks())) decision_ = DecideNow();
    RecordNames(decision_);
    if (auto lost = state_.TakeConflicts(); !lost.empty()) {
      // The udev helper gave that name away in the meantime; names are saved before
      // any rename, so deciding again here renames nothing twice.
      for (const auto& conflict : lost)
        log_->warn("{}: already given to {} by the udev helper; choosing another name for {}", conflict.name,
                   conflict.holder.ToString(), conflict.identity.ToString());
      decision_ = DecideNow();
      RecordNames(decision_);
    }
    RememberOwnBridges();
    const core::Plan plan = core::MakePlan(policy_, decision_, observed_, progress_);
    for (const auto& [bridge, why] : plan.blocked)
      if (blocked_[bridge] != why) log_->error("{}: {}", bridge, why);
    blocked_ = plan.blocked;
    if (plan.empty()) {
      roles_.LogChanges(decision_, started);
      break;
    }
    // Listed before a bridge is made: one left unmarked by a crash between its creation
    // and its mark is then known as failoverd's at the next start (core::OwnedAtStart).
    RecordManagedBridges();
    // The plan runs first; logging the role changes waits until the new port forwards.
    const Executor::Outcome outcome =
        executor_.Execute(policy_, plan, observed_, progress_, [this] { return InterruptPlan(); }, hooks_.progress);
    metrics_.failed_actions += static_cast<uint64_t>(outcome.failed);
    roles_.LogChanges(decision_, started);
    Refresh();
    unfinished = outcome.interrupted;
    if (outcome.failed > 0) {
      retry = true;
      break;
    }
  }
  reconciling_ = false;

  retry_.Cancel();
  if (retry) {
    const int delay_ms = retry_.Backoff([this] { Resync(); });
    log_->warn("some changes failed; trying again in {} ms", delay_ms);
  } else {
    retry_.Reset();
    // Interrupted in every round (failovers one after another): the rest is planned on
    // the next turn of the loop, after what is waiting there.
    if (unfinished) retry_.After(0, [this] { Resync(); });
  }
  ScheduleWakeup(decision_.next_wakeup);
  RecordManagedBridges();
  if (hooks_.reflex_table) hooks_.reflex_table(ReflexTable());
}

void Daemon::ReadNamesOfNewNics() {
  // The udev helper names new NICs too (under state.json's lock): a managed NIC the
  // daemon does not remember may have been named by it, so read what it wrote. The
  // kernel announces a link before udev's helper has run, hence here and not on
  // "link appeared". On a steady system this never reads anything.
  for (const auto& [ifindex, link] : observed_.links()) {
    if (!core::IsManagedNic(policy_.nics, link) || live_nics_.left_alone().count(ifindex) ||
        state_.names().count(link.identity()))
      continue;
    if (Status reread = state_.Reload(); !reread) log_->warn("cannot re-read {}: {}", state_.path(), reread.message());
    return;
  }
}

firewall::TableSpec Daemon::CurrentTable() const {
  firewall::TableSpec spec;
  spec.nic_prefix = policy_.nics.prefix;
  std::set<std::string> governed(progress_.zoned_bridges.begin(), progress_.zoned_bridges.end());
  for (const auto& bridge : policy_.bridges) governed.insert(bridge.name);
  // Bridges still to be deleted stay closed until they are gone.
  governed.insert(progress_.retired_bridges.begin(), progress_.retired_bridges.end());
  // Someone else's bridge that has one of these names is not failoverd's to close.
  std::erase_if(governed, [this](const std::string& name) {
    const core::LinkInfo* link = observed_.FindByName(name);
    return link && link->is_bridge() && !core::IsOwnBridge(*link, progress_);
  });
  for (const auto& [name, zone] : interface_zones_.installed()) governed.insert(name);
  spec.governed.assign(governed.begin(), governed.end());
  for (const std::string& bridge : progress_.zoned_bridges) {
    auto installed = executor_.installed_zones().find(bridge);
    if (installed != executor_.installed_zones().end()) spec.zones.push_back({bridge, installed->second});
  }
  for (const auto& [name, zone] : interface_zones_.installed()) spec.zones.push_back({name, zone});
  return spec;
}

void Daemon::CheckFirewall(bool foreign) {
  if (!zero_phase_) return;
  // The window a repair closes starts at someone's commit; nftables tells the daemon at
  // once, so it is measured from here (later only when the loop was busy).
  const MonoTime noticed = clock_.Now();
  const FirewallKeeper::Outcome outcome = firewall_.Keep(foreign, CurrentTable());
  using Kind = FirewallKeeper::Outcome::Kind;
  switch (outcome.kind) {
    case Kind::kIntact:
      return;
    case Kind::kUnreadable:
      log_->warn("cannot read the firewall back: {}", outcome.error);
      return;
    case Kind::kRepairFailed: {
      ++metrics_.firewall_restores;
      const std::string what = "table inet failoverd was " + outcome.what + " by someone else; putting it back failed: " +
                               outcome.error;
      log_->critical("{}", what);
      events_.Add(clock_.WallNow(), "error", what);
      return;
    }
    case Kind::kRepaired: {
      const double window = std::chrono::duration<double>(clock_.Now() - noticed).count();
      ++metrics_.firewall_restores;
      metrics_.last_firewall_repair_seconds = window;
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1f", window * 1000);
      const std::string what = "table inet failoverd was " + outcome.what + " by someone else; put back as failoverd "
                               "wrote it (" + std::to_string(CurrentTable().zones.size()) + " zone(s)) " + ms +
                               " ms after the change was noticed";
      log_->error("{}", what);
      events_.Add(clock_.WallNow(), "firewall", what);
      SweepConnectionsAfterRepair();
      return;
    }
  }
}

void Daemon::RecordManagedBridges() {
  std::set<std::string> managed = progress_.retired_bridges;
  for (const auto& bridge : policy_.bridges) managed.insert(bridge.name);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : managed) list.push_back(name);
  bool changed = state_.SetSection("bridges", list);
  // Every bridge an older failoverd made carries the mark now: that list has served.
  if (progress_.unmarked_own_bridges.empty()) changed = state_.SetSection(StateStore::kMadeBeforeMarks, nullptr) || changed;
  if (changed) SaveState();
}

bool Daemon::SaveState() { return saver_.Save(); }

std::string Daemon::UnsavedNote() const { return saver_.UnsavedNote(); }

void Daemon::ScheduleWakeup(std::optional<MonoTime> when) {
  if (wakeup_timer_) loop_.CancelTimer(*wakeup_timer_);
  wakeup_timer_.reset();
  if (!when) return;
  wakeup_timer_ = loop_.AddTimer(*when, [this] {
    wakeup_timer_.reset();
    Reconcile();
  });
}

void Daemon::RecordNames(const core::Decision& decision) {
  bool changed = false;
  for (const auto& nic : decision.nics) {
    if (nic.role == core::NicRole::kPending) continue;
    changed = state_.SetName(nic.identity, nic.name) || changed;
    if (nic.identification.verdict == core::Identification::Verdict::kMatched)
      changed = state_.SetNetwork(nic.identity, nic.identification.bridge) || changed;
  }
  if (!changed) return;
  // Saved before any rename, so a crash half-way still gives every NIC the same name.
  SaveState();
}

StatusView Daemon::View() const {
  return StatusView({policy_, observed_, decision_, progress_, blocked_, probes_, roles_, live_nics_});
}

Result<nlohmann::json> Daemon::ProbeJson(const std::string& name) const { return View().Probe(name); }

nlohmann::json Daemon::StatusJson() const {
  const StatusView view = View();
  return {
      {"bridges", view.Bridges()},
      {"nics", view.Nics()},
      {"firewall", {{"table", std::string(firewall::kTableFamily) + " " + firewall::kTableName},
                    {"zero_phase", zero_phase_}}},
      {"isolated", overrides_.isolated},
      {"pending_apply", PendingApplyJson()},
      {"pending_migration", migration_hook_.status ? migration_hook_.status() : nlohmann::json()},
      {"pending_isolate", PendingIsolateJson()},
      {"last_rollback", LastRollbackJson()},
      {"left_alone", live_nics_.ToJson(observed_)},
      {"policy", PolicyJson()},
      {"state", {{"path", state_.path()},
                 {"saved", saver_.error().empty()},
                 {"error", saver_.error().empty() ? nlohmann::json() : nlohmann::json(saver_.error())},
                 {"at_start", state_note_.empty() ? nlohmann::json() : nlohmann::json(state_note_)}}},
  };
}


std::string Daemon::MetricsText() const {
  Metrics::Gauges gauges;
  for (const auto& bridge : policy_.bridges) {
    const core::LinkInfo* link = observed_.FindByName(bridge.name);
    gauges.bridge_up[bridge.name] = link && link->is_bridge() && link->admin_up;
  }
  for (const auto& nic : decision_.nics)
    gauges.nic_carrier[observed_.Find(nic.ifindex)->name] = observed_.Find(nic.ifindex)->carrier;
  gauges.left_alone = live_nics_.left_alone().size();
  gauges.policy_fallback = origin_.fallback;
  gauges.state_unsaved = !saver_.error().empty();
  gauges.log_messages_dropped = DroppedLogMessages();
  return metrics_.Exposition(gauges);
}

nlohmann::json Daemon::PlanJson() const {
  const core::Decision decision = DecideNow();
  const core::Plan plan = core::MakePlan(policy_, decision, observed_, progress_);
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& action : plan.actions)
    actions.push_back({{"action", core::ToString(action.type)}, {"description", action.Describe()}});
  nlohmann::json blocked = nlohmann::json::object();
  for (const auto& [bridge, why] : plan.blocked) blocked[bridge] = why;
  return {{"actions", actions},
          {"blocked", blocked},
          {"message", plan.empty() ? "nothing to change" : std::to_string(plan.actions.size()) + " change(s) pending"}};
}

}  // namespace failoverd
