// Daemon: owns the policy, the observed state, the persistent state and the
// progress of one run, and turns every event into the same three steps: update
// what is observed, Decide, carry out the plan. It talks to the kernel only through
// KernelOps and Firewall, so unit tests drive it with fakes under a fake clock.
// Wiring it to real sockets is runner.cc's job.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "failoverd/common/clock.h"
#include "failoverd/core/conntrack_sweep.h"
#include "failoverd/core/decision.h"
#include "failoverd/core/isolate_guard.h"
#include "failoverd/core/kernel_ops.h"
#include "failoverd/core/observed.h"
#include "failoverd/core/plan.h"
#include "failoverd/core/reflex_table.h"
#include "failoverd/daemon/apply_snapshot.h"
#include "failoverd/daemon/carrier_window.h"
#include "failoverd/daemon/confirm_windows.h"
#include "failoverd/daemon/event_log.h"
#include "failoverd/daemon/executor.h"
#include "failoverd/daemon/firewall_keeper.h"
#include "failoverd/daemon/interface_zones.h"
#include "failoverd/daemon/last_good.h"
#include "failoverd/daemon/live_nic_watch.h"
#include "failoverd/daemon/metrics.h"
#include "failoverd/daemon/policy_guard.h"
#include "failoverd/daemon/probe_manager.h"
#include "failoverd/daemon/role_log.h"
#include "failoverd/daemon/start_policy.h"
#include "failoverd/daemon/state_saver.h"
#include "failoverd/daemon/status_view.h"
#include "failoverd/daemon/sweep_guard.h"
#include "failoverd/runtime/event_loop.h"
#include "failoverd/runtime/retry_timer.h"
#include "failoverd/state/state_store.h"
#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

// Before anything starts (main, then RunDaemon): an `apply --confirm` that was never
// confirmed — the daemon restarted or was killed inside the window — is undone:
// the policy file gets its previous text back, and everything runs on that policy.
// `message` says what happened ("" when nothing was pending). The state recorded at
// the apply comes along for Daemon::SetStartupRollback, which puts it back exactly;
// until the daemon has done so, state.json keeps the pending apply, so a crash
// during the restore restores again at the next start.
struct StartupRollback {
  policy::Policy policy;
  std::string message;
  std::string file;                       // the unconfirmed policy file
  std::optional<ApplySnapshot> recorded;  // nullopt: nothing recorded (or unreadable)
  // What the unconfirmed policy put on bridges `policy` keeps and `policy` does not
  // have (a reload at the deadline would remove them; the start does instead).
  std::map<std::string, std::vector<IpPrefix>> stale_addresses;
  std::map<std::string, IpAddress> stale_gateways;
};
StartupRollback UndoUnconfirmedApply(const std::string& policy_path, policy::Policy parsed);

// How the policy the daemon starts with was chosen (start_policy.h): for the start
// confirm window, status, metrics and the last good policy.
struct PolicyOrigin {
  std::string fallback;  // "" (the policy file runs), "invalid" or "unconfirmed" (the last good one runs)
  std::string message;   // what was said about it at start ("" for a plain start)
  std::optional<LastGood::Saved> last_good;
  // The policy file runs under a confirm window until then (then the last good one).
  std::optional<WallTime> window_deadline;
  std::map<std::string, firewall::ZoneFragment> pinned_zones;  // the last good policy's zones, when it runs
};

class Daemon {
 public:
  // `probes` opens a cable probe on a NIC; without one nothing is probed (and
  // bridges that require identification never get a port).
  // `conntrack`: after each repair of the firewall, the connections opened to the host
  // while the table was missing are deleted through it (core/conntrack_sweep.h);
  // without one they are left.
  Daemon(policy::Policy policy, std::string machine_id, const Clock& clock, EventLoop& loop,
         core::KernelOps& kernel, firewall::Firewall& firewall, ProbeManager::SessionFactory probes = nullptr,
         core::ConntrackSweeper* conntrack = nullptr);
  // Cancels the daemon's timers on the loop (which outlives it).
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Start: state file, zero-phase firewall (with the zones of bridges that already
  // exist, in the same transaction), adoption, then the first reconcile. An error
  // means the daemon must not run (e.g. the zero phase could not be installed).
  Status Start();
  // Before Start(), with what UndoUnconfirmedApply found: the policy is the one an
  // unconfirmed apply replaced; Start() removes what that apply added and puts back
  // the rest of the state recorded then — NIC names, zone rules, active ports —
  // then checks the result against the record and reports it (daemon_rollback.cc).
  void SetStartupRollback(const StartupRollback& rollback);
  // Before Start(): how the policy was chosen; Start() arms its confirm window, if any.
  void SetPolicyOrigin(PolicyOrigin origin);
  // After READY: a start with the policy file (no window) makes it the last good policy.
  void StartedSuccessfully();

  // Something changed in the kernel's links (a batch of rtnetlink events, a udev
  // event, a netlink overflow). Event contents are never trusted as the current
  // state — a queued event may be older than our own last change — so the links are
  // re-read and the decision recomputed from that fresh picture.
  void Resync();
  // A batch of link notifications, by what each says of carrier, before the Resync
  // that follows it (fast_failover.cc): an active port's carrier loss attaches its
  // standby at once, and the active ports' carrier is watched for the next second.
  void OnLinkNotifications(const std::vector<core::CarrierNote>& notes);
  // The kernel dropped link notifications (ENOBUFS); the Resync that follows repairs it.
  void NoteEventOverflow() { ++metrics_.netlink_overflows; }
  // How the daemon reads the link notifications that arrived while a plan runs (the
  // runner drains its link socket and hands the carrier notes to OnLinkNotifications).
  void SetLinkPump(std::function<void()> pump) { hooks_.link_pump = std::move(pump); }
  // Who gets the reflex's table after every reconcile (the runner's ReflexLink).
  void SetReflexListener(std::function<void(const core::ReflexTable&)> listener) {
    hooks_.reflex_table = std::move(listener);
  }
  // Called between two steps of every plan: a long plan is progress too, for the
  // reflex's watch on a daemon that has stopped moving (reflex.h).
  void SetProgressBeat(std::function<void()> beat) { hooks_.progress = std::move(beat); }
  // What the reflex may do now if this daemon dies (core/reflex_table.h).
  core::ReflexTable ReflexTable() const { return core::MakeReflexTable(policy_, decision_, observed_); }
  // Decide and carry out the plan until nothing is left to do.
  void Reconcile();
  // Reads every cable probe now and reconciles on what they heard.
  void PollProbes();

  // Before Start(): NICs a conversion (`failoverd --migrate`) is taking over; they are
  // live, but not left alone.
  void SetConverting(std::set<int> ifindexes) { live_nics_.SetConverting(std::move(ifindexes)); }
  // Live NICs failoverd leaves alone (core/live_nics.h), by ifindex, with the reason.
  const std::map<int, std::string>& left_alone() const { return live_nics_.left_alone(); }

  // The administrator's commands (daemon_admin.cc). Each answers with a message for
  // the operator, or an error saying why it was refused; a refusal changes nothing.
  // Overrides are kept in state.json, so they survive a restart.
  Result<std::string> Attach(const std::string& nic, const std::string& bridge);
  Result<std::string> Detach(const std::string& nic);
  Result<std::string> Auto(const std::string& nic);
  // A guarded bridge (core/isolate_guard.h) is isolated only with --confirm (then it
  // is restored at the deadline unless confirmed, also across a restart) or --force.
  Result<std::string> Isolate(const std::string& bridge, const core::IsolateRequest& request = {});
  Result<std::string> Restore(const std::string& bridge);
  // `failoverctl confirm`: confirms everything pending — a conversion, an apply and every guarded isolate.
  Result<std::string> Confirm();
  const core::Overrides& overrides() const { return overrides_; }

  // Policy changes (daemon_reload.cc). An invalid policy is refused with every
  // problem and the running one stays; a valid one is applied as a difference.
  void SetPolicyPath(std::string path) { policy_path_ = std::move(path); }
  // Re-reads the policy file (SIGHUP, `failoverctl reload`). Like apply, it refuses a
  // policy that would cut the host or the caller off (policy_guard.h) unless forced.
  Result<nlohmann::json> Reload(const PolicyGuardRequest& guard = {});
  // `recorded_zones`: zone rules to install instead of reading the zone files (a
  // rollback's); kept until the next ApplyPolicy.
  Result<nlohmann::json> ApplyPolicy(policy::Policy next,
                                     std::map<std::string, firewall::ZoneFragment> recorded_zones = {});
  // `failoverctl apply`: FILE becomes the policy file. With confirm_seconds > 0 the
  // previous policy comes back unless Confirm() is called in time, also across a restart.
  // `guard`: refused, with the reasons, when the policy would leave the default route's
  // bridge without a usable NIC or firewall off the caller's session, unless forced.
  Result<nlohmann::json> ApplyFile(const std::string& file, int confirm_seconds, const PolicyGuardRequest& guard = {});
  // A conversion of a live host under way (runner.cc, migration.h): `confirm` ends
  // its window (nullopt when nothing is pending), `status` describes it (null when
  // nothing is pending). `failoverctl confirm` confirms it with everything else.
  struct MigrationHook {
    std::function<std::optional<std::string>()> confirm;
    std::function<nlohmann::json()> status;
  };
  void SetMigrationHook(MigrationHook hook) { migration_hook_ = std::move(hook); }

  // nftables changed: `foreign` when the commit was another process's (or
  // notifications were lost). Reads table inet failoverd back and, if anything in it
  // differs from what failoverd last wrote, replaces the whole table in one
  // transaction (firewall_keeper.h).
  // After a repair, the connections opened to the governed interfaces' addresses
  // while the table was missing are deleted (daemon_conntrack.cc), and the time from
  // the change being noticed to the table being back is logged and measured.
  void CheckFirewall(bool foreign = true);

  // "" while state.json holds everything; else what a change just made risks, for the
  // reply to the administrator who made it.
  std::string UnsavedNote() const;
  nlohmann::json StatusJson() const;
  nlohmann::json PlanJson() const;  // what would change now, and why
  std::string MetricsText() const;  // Prometheus text exposition
  const Metrics& metrics() const { return metrics_; }
  // What a NIC's cable carries and which bridge it matches; an error if no such NIC.
  Result<nlohmann::json> ProbeJson(const std::string& nic) const;
  EventLog& events() { return events_; }
  const policy::Policy& policy() const { return policy_; }
  const core::Decision& last_decision() const { return decision_; }

 private:
  core::Decision DecideNow() const;
  // Re-reads the links; false when the kernel could not be read.
  bool Refresh();
  void RecordNames(const core::Decision& decision);
  void ScheduleWakeup(std::optional<MonoTime> when);
  // Writes state.json now if it can. If it cannot — state.lock held by another process,
  // a full or read-only filesystem — the save stays due and is tried again on a timer
  // (250 ms, doubling up to 5 s): the daemon never waits for it, and status, the log and
  // metrics say so. False while the save is still due.
  bool SaveState();
  // Start: state.json is there but could not be read; it is kept aside, and said so
  // in the log, events and status.
  void SetAsideUnreadableState(const std::string& problem);
  // Start: state.json was written by a newer failoverd; it is left as it is (a
  // downgrade must not lose what the newer one knew), and said so.
  void KeepNewerState(const std::string& problem);
  // Start: which unmarked bridges with policy names are failoverd's all the same
  // (core::OwnedAtStart), into progress_.unmarked_own_bridges.
  void TakeBackUnmarkedBridges();
  // The policy bridges that are failoverd's now, into progress_.own_bridges: they stay
  // its own for this run whatever their alias says later.
  void RememberOwnBridges();
  // After a repair of the firewall: deletes the conntrack entries to the governed
  // interfaces' addresses that no zone accepted (daemon_conntrack.cc).
  void SweepConnectionsAfterRepair();
  // Table inet failoverd as it must be now: the governed interfaces and every zone installed.
  firewall::TableSpec CurrentTable() const;
  // The bridges and NICs as status and probe show them (status_view.h).
  StatusView View() const;
  const core::NicDecision* FindNicByName(const std::string& name) const;
  // Logs `message` (also as an event), records overrides_ in state.json and carries them out.
  void CommitOverrides(const std::string& message);
  // Records which bridges failoverd manages, so one dropped from the policy while
  // the daemon was stopped is still deleted at the next start.
  void RecordManagedBridges();
  void ReadNamesOfNewNics();
  // Fast path (fast_failover.cc). True when `lost` was an active port that has
  // indeed lost carrier (the standby is attached if one is ready); `verify` asks the
  // kernel first.
  bool FailOverAtOnce(int lost, bool verify);
  std::vector<int> ActivePorts() const;  // enslaved, with carrier as last known
  // Asks the kernel for the carrier of every active port; true if one was replaced.
  bool CheckActiveCarriers();
  // The carrier window's poll: true if it replaced a port (the links are then re-read).
  bool PollCarriers();
  // Between two actions of a plan, at most once a millisecond: reads the link
  // notifications and, in the second after one, the active ports' carrier, and
  // replaces a lost active port at once. True if it did (the plan stops and is made again).
  bool InterruptPlan();
  // Rollback of an unconfirmed apply (daemon_rollback.cc).
  Status RestorePreviousPolicy(const std::string& why);
  // The bridges a snapshot looks at: the policy's, those still to be deleted, those with a zone.
  std::set<std::string> SnapshotBridges() const;
  Result<ApplySnapshot> Snapshot() const;
  // Before the rollback's reconcile: what the policy alone would not put back.
  void PrepareExactRestore(const ApplySnapshot& recorded);
  // After it: drops the one-shot active-port hint, compares the state with the
  // record, and logs and records the outcome with the time since `started`.
  void FinishExactRestore(const ApplySnapshot& recorded, const std::string& file, MonoTime started);
  nlohmann::json PendingApplyJson() const;
  // The guard of apply and reload (daemon_policy_guard.cc): an error with every hazard
  // unless there is none or the request forces it (then logged and recorded).
  Status GuardPolicy(const policy::Policy& next, const PolicyGuardRequest& guard, const std::string& file,
                     bool reload = false);
  // The apply part of Confirm(): its message, nullopt when no apply is pending.
  std::optional<std::string> ConfirmApply();

  // The last good policy and the start window (daemon_last_good.cc).
  // Copies the running policy (file and zones) as the last good one, and writes the
  // zero phase an early-boot unit loads from it; `why` goes into the log.
  void RecordLastGood(const std::string& why);
  // After the policy file was loaded by a reload, apply or confirm: it runs now
  // (no fallback, no start window), and it is the last good policy unless an apply
  // waits for its confirm.
  void ReloadedFromFile();
  std::optional<std::string> ConfirmStartWindow();  // nullopt when no window is open
  void ExpireStartWindow();                         // the deadline passed: the last good policy comes back
  nlohmann::json PolicyJson() const;                // for status

  // Isolates waiting for confirmation (daemon_isolate.cc).
  core::IsolateFacts IsolateFactsOf(const policy::Bridge& bridge, const std::optional<IpAddress>& session);
  // Records the pending isolate of `bridge` (and the override) in state.json and arms
  // its timer; an error, with nothing changed, when state.json cannot be written.
  Status StartPendingIsolate(const std::string& bridge, int confirm_seconds);
  // Cancels the pending isolate of `bridge`, if any; true if there was one. The caller saves.
  bool DropPendingIsolate(const std::string& bridge);
  void RestoreUnconfirmedIsolate(const std::string& bridge, int seconds);  // its window of `seconds` ended
  std::vector<std::string> ConfirmIsolates();
  // Start: isolates still pending in state.json (the daemon stopped inside their
  // window) are undone before the first reconcile.
  void UndoIsolatesLeftPending();
  nlohmann::json PendingIsolateJson() const;  // for status
  nlohmann::json PendingIsolateSection() const;  // for state.json
  std::string PendingIsolateNote(const std::string& bridge) const;  // "restored at T unless ..."
  nlohmann::json LastRollbackJson() const;

  policy::Policy policy_;
  std::string machine_id_;
  const Clock& clock_;
  EventLoop& loop_;
  core::KernelOps& kernel_;
  FirewallKeeper firewall_;  // every firewall write goes through it
  core::ConntrackSweeper* conntrack_;  // may be null: nothing is swept
  std::shared_ptr<spdlog::logger> log_;

  EventLog events_;
  Metrics metrics_;
  StateStore state_;
  Executor executor_;
  // Live NICs left alone: every link judged at start and reload, each new one when it appears.
  LiveNicWatch live_nics_;
  core::ObservedState observed_;
  core::Progress progress_;
  core::Decision decision_;
  ProbeManager probes_;
  std::map<std::string, std::string> blocked_;  // bridges that cannot be set up, and why
  bool zero_phase_ = false;
  PolicyOrigin origin_;  // its window_deadline is opened as the "start" window by Start()
  // The zones of the policy's [[interface]]s, as installed.
  InterfaceZones interface_zones_{firewall_, log_};
  bool reconciling_ = false;
  std::string state_note_;  // what happened to an unreadable state.json at start, for status

  // Each NIC's role in the last decision carried out, and since when.
  RoleLog roles_{clock_, events_, metrics_, log_};

  core::Overrides overrides_;
  std::string policy_path_;
  // What waits for `failoverctl confirm`, by window: kApplyWindow, kStartWindow and
  // kIsolateWindow + bridge (mirrored in state.json's "pending_apply", "pending_start"
  // and "pending_isolate").
  static constexpr const char* kApplyWindow = "apply";
  static constexpr const char* kStartWindow = "start";
  static constexpr const char* kIsolateWindow = "isolate:";
  ConfirmWindows windows_{loop_, clock_};
  // What an apply under kApplyWindow needs to roll back.
  struct PendingApply {
    std::string previous_text;  // the policy file before the apply
    std::string file;
    ApplySnapshot recorded;     // the state the previous policy had produced
  };
  std::optional<PendingApply> pending_apply_;
  MigrationHook migration_hook_;
  // A rollback found at start (SetStartupRollback), carried out by Start().
  struct StartupRestore {
    ApplySnapshot recorded;
    std::string file;
  };
  std::optional<StartupRestore> startup_restore_;
  // bridge -> NIC identity: the active ports a rollback puts back (core::DecisionInput::restore_active);
  // set for the rollback's reconcile only.
  std::map<std::string, MacAddress> restore_active_;
  // How the last rollback ended, for status.
  struct RollbackReport {
    std::chrono::system_clock::time_point at;
    std::string file;
    int64_t ms = 0;
    std::vector<std::string> differences;
  };
  std::optional<RollbackReport> last_rollback_;

  // When the active ports' carrier is asked of the kernel (the second after a link
  // notification, when the kernel would report a loss late), and InterruptPlan's pace.
  CarrierWindow carrier_window_{loop_, clock_, [this] { return static_cast<int>(ActivePorts().size()); },
                                [this] { return PollCarriers(); }};
  // What the runner wires in (runner.cc); each may be empty, as in unit tests.
  struct Hooks {
    std::function<void()> link_pump;
    std::function<void()> progress;
    std::function<void(const core::ReflexTable&)> reflex_table;
  };
  Hooks hooks_;
  bool interrupting_ = false;  // InterruptPlan is running: the fast path may act inside a reconcile

  std::optional<EventLoop::TimerId> wakeup_timer_;
  // state.json, written without waiting and retried until it works (SaveState).
  StateSaver saver_{state_, loop_, clock_, events_, metrics_.state_save_failures, log_};
  SweepGuard sweep_guard_{loop_, clock_, firewall_, log_};  // after a conntrack sweep (daemon_conntrack.cc)
  // A reconcile whose steps failed (500 ms doubling to 30 s), a dump that failed (50 ms),
  // an interrupted plan (at once).
  RetryTimer retry_{loop_, clock_, 500, 30000};
};

}  // namespace failoverd
