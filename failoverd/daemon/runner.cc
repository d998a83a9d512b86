#include "failoverd/daemon/runner.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <cstdio>
#include <fstream>

#include "failoverd/control/control_server.h"
#include "failoverd/core/live_nics.h"
#include "failoverd/daemon/control_commands.h"
#include "failoverd/daemon/daemon.h"
#include "failoverd/daemon/migration.h"
#include "failoverd/daemon/overrides_json.h"
#include "failoverd/daemon/policy_checks.h"
#include "failoverd/daemon/reflex.h"
#include "failoverd/kernel/cable_probe.h"
#include "failoverd/kernel/conntrack_table.h"
#include "failoverd/kernel/link_monitor.h"
#include "failoverd/kernel/nft_monitor.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "failoverd/kernel/udev_monitor.h"
#include "failoverd/runtime/event_loop.h"
#include "failoverd/runtime/logging.h"
#include "firewall/nft_firewall.h"

namespace failoverd {

std::string ReadMachineId() {
  std::ifstream in("/etc/machine-id");
  std::string id;
  std::getline(in, id);
  return id;
}

namespace {

// Opens the packet-socket probe of one NIC's cable.
Result<std::unique_ptr<core::CableSession>> OpenCableProbe(int ifindex, const std::string& name,
                                                           const MacAddress& mac) {
  auto probe = std::make_unique<kernel::CableProbe>(ifindex, name, mac);
  if (Status opened = probe->Open(); !opened) return opened;
  return std::unique_ptr<core::CableSession>(std::move(probe));
}

// Link notifications read per wake-up before deciding; the rest wait for the next
// turn of the loop, so a storm of events never holds a failover back for long.
constexpr size_t kMaxDatagramsPerWakeup = 1024;

// Connects the kernel's event sources to the daemon.
class EventSources {
 public:
  EventSources(EventLoop& loop, Daemon& daemon, const policy::Policy& policy)
      : loop_(loop),
        daemon_(daemon),
        udev_(policy.daemon.udev_source == policy::UdevSource::kUdev ? "udev" : "kernel"),
        log_(GetLogger("daemon")) {}

  Status Open() {
    if (Status opened = links_.Open(); !opened) return opened;
    if (Status added = loop_.AddFd(links_.fd(), [this] { OnLinkEvents(); }); !added) return added;
    if (Status opened = nft_.Open(); !opened) {
      log_->warn("nftables changes are not watched (a flushed ruleset is not repaired): {}", opened.message());
    } else if (Status added = loop_.AddFd(nft_.fd(), [this] {
                 if (const auto drained = nft_.Drain(); drained.any) daemon_.CheckFirewall(drained.foreign);
               });
               !added) {
      return added;
    }
    if (Status opened = udev_.Open(); !opened) {
      // Without udev events failoverd still sees every link through rtnetlink.
      log_->warn("udev monitor unavailable, relying on rtnetlink alone: {}", opened.message());
      return Status::Ok();
    }
    return loop_.AddFd(udev_.fd(), [this] { OnDeviceEvents(); });
  }

  // While a plan runs (Daemon::InterruptPlan): the carrier notes only; the plan's own
  // re-read follows it, so no resync is asked for.
  void DrainDuringPlan() {
    bool overflow = false;
    carriers_.clear();
    links_.Drain(&overflow, kMaxDatagramsPerWakeup, &carriers_);
    daemon_.OnLinkNotifications(carriers_);
    if (overflow) daemon_.NoteEventOverflow();
  }

 private:
  void OnLinkEvents() {
    bool overflow = false;
    carriers_.clear();
    const size_t events = links_.Drain(&overflow, kMaxDatagramsPerWakeup, &carriers_);
    // A lost active port is replaced first (one netlink write); the rest follows.
    daemon_.OnLinkNotifications(carriers_);
    if (overflow) {
      log_->warn("netlink event queue overflowed; re-reading every link");
      daemon_.NoteEventOverflow();
    }
    // One re-read for the whole batch: the events say that something changed, the
    // dump says what is true now.
    if (overflow || events > 0) daemon_.Resync();
  }

  void OnDeviceEvents() {
    const auto events = udev_.Read();
    if (events.empty()) return;
    for (const auto& event : events) GetLogger("udev")->debug("{}: uevent {}", event.name, static_cast<int>(event.action));
    // udev tells us a device was (re)processed: its path, driver and readiness may
    // have changed, which rtnetlink does not report. Re-read the links.
    daemon_.Resync();
  }

  EventLoop& loop_;
  Daemon& daemon_;
  kernel::LinkMonitor links_;
  std::vector<core::CarrierNote> carriers_;  // of the batch being handled
  kernel::UdevMonitor udev_;
  kernel::NftMonitor nft_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

int RunDaemon(const StartPlan& plan, const std::string& policy_path, const MigrateOptions& migrate) {
  const StartupRollback& start = plan.start;
  const policy::Policy& policy = start.policy;
  const std::string& startup_note = start.message;
  auto log = GetLogger("daemon");
  // A reflex left by a daemon that died stops before anything here changes a link;
  // what it did while no daemon ran is told.
  const std::string reflex_socket =
      std::filesystem::path(policy.daemon.control_socket).parent_path().string() + "/reflex.sock";
  const std::vector<std::string> reflex_did = ReflexLink::HandOver(reflex_socket);
  for (const auto& line : reflex_did) log->warn("while failoverd was not running, its reflex failed over: {}", line);
  SystemClock clock;
  EventLoop loop(clock);
  if (Status ok = loop.Init(); !ok) {
    log->critical("{}", ok.message());
    return 1;
  }
  kernel::RtnlOps kernel_ops;
  if (Status ok = kernel_ops.Open(); !ok) {
    log->critical("cannot open netlink: {}", ok.message());
    return 1;
  }
  firewall::NftFirewall firewall;
  // A conversion of a live host is judged and recorded before anything changes.
  Migration migration(policy, ReadMachineId(), kernel_ops, firewall);
  if (std::string leftover; migration.UndoLeftover(leftover)) {
    log->critical("{}; failoverd stops here (run `failoverd --migrate` to convert again)", leftover);
    return kExitNotConverted;
  }
  auto converting = migration.Begin(migrate.requested, migrate.confirm_seconds);
  if (!converting) {
    log->critical("{}", converting.message());
    return kExitNotConverted;
  }
  // After a firewall repair: the connections opened while the table was missing.
  kernel::ConntrackTable conntrack;
  Daemon daemon(policy, ReadMachineId(), clock, loop, kernel_ops, firewall, OpenCableProbe, &conntrack);
  daemon.SetPolicyPath(policy_path);
  daemon.SetStartupRollback(start);
  daemon.SetConverting(migration.ConvertingNics());
  daemon.SetPolicyOrigin(plan.origin);
  if (!startup_note.empty()) {
    log->warn("{}", startup_note);
    daemon.events().Add(clock.WallNow(), "policy", startup_note);
  }

  // Subscribe before the first dump so no change between the two is missed.
  EventSources sources(loop, daemon, policy);
  daemon.SetLinkPump([&sources] { sources.DrainDuringPlan(); });
  if (Status ok = sources.Open(); !ok) {
    log->critical("cannot watch links: {}", ok.message());
    return 1;
  }
  for (const auto& line : reflex_did) daemon.events().Add(clock.WallNow(), "port", "the reflex, while failoverd was not running: " + line);
  if (Status ok = daemon.Start(); !ok) {
    log->critical("{}", ok.message());
    if (migration.pending()) (void)migration.RollBack("failoverd could not start: " + ok.message());
    return 1;
  }
  // From here on a reflex fails over if this daemon dies (reflex.h).
  ReflexLink reflex;
  const auto level = spdlog::level::to_string_view(spdlog::get_level());
  if (Status started = reflex.Start(reflex_socket, std::string(level.data(), level.size())); !started)
    log->error("{}: nothing will fail over while failoverd is not running", started.message());
  // A reflex that could not start, or died, is started again from here (at most every kReflexReviveSeconds).
  reflex.Publish(daemon.ReflexTable());
  daemon.SetReflexListener([&reflex](const core::ReflexTable& table) { reflex.Publish(table); });
  // The beats that tell the reflex this daemon still moves: from the loop, and between
  // the steps of a plan, which may hold the loop for longer than a beat.
  daemon.SetProgressBeat([&reflex] { reflex.Beat(); });
  std::function<void()> beat = [&loop, &clock, &reflex, &beat] {
    reflex.Beat();
    loop.AddTimer(clock.Now() + Millis(kReflexBeatMs), beat);
  };
  loop.AddTimer(clock.Now() + Millis(kReflexBeatMs), beat);
  bool not_confirmed = false;
  std::optional<EventLoop::TimerId> migration_timer;
  if (*converting) {
    if (Status carried = migration.CarryOver(); !carried) {
      log->critical("conversion failed: {}", carried.message());
      (void)migration.RollBack("conversion failed: " + carried.message());
      return kExitNotConverted;
    }
    const auto left = migration.deadline() - clock.WallNow();
    migration_timer = loop.AddTimer(clock.Now() + std::chrono::duration_cast<MonoTime::duration>(left), [&] {
      migration_timer.reset();
      not_confirmed = true;
      loop.Stop();
    });
    daemon.events().Add(clock.WallNow(), "migrate",
                        "conversion started; rolled back at " + FormatRfc3339(migration.deadline()) +
                            " unless `failoverctl confirm` comes first");
    daemon.SetMigrationHook({[&]() -> std::optional<std::string> {
                               auto confirmed = migration.Confirm();
                               if (confirmed && migration_timer) loop.CancelTimer(*migration_timer);
                               migration_timer.reset();
                               return confirmed;
                             },
                             [&] { return migration.StatusJson(); }});
  }

  ControlServer control(loop, clock, policy.daemon.control_socket, policy.daemon.control_group,
                        [&](const Request& request, const PeerCred& peer) {
                          return HandleControlCommand(daemon, request, control.CanChangeState(peer), peer);
                        });
  if (Status ok = control.Listen(); !ok) {
    log->critical("control socket {}: {}", policy.daemon.control_socket, ok.message());
    return 1;
  }
  daemon.events().SetListener([&control](const LoggedEvent& event) { control.Broadcast(event.ToJson()); });

  auto stop = [&] {
    log->info("stopping; bridges, ports and firewall stay as they are");
    sd_notify(0, "STOPPING=1");
    loop.Stop();
  };
  loop.AddSignal(SIGTERM, stop);
  loop.AddSignal(SIGINT, stop);
  loop.AddSignal(SIGHUP, [&] {
    log->info("SIGHUP: re-reading {}", policy_path);
    auto reloaded = daemon.Reload();
    if (!reloaded) log->error("reload refused:\n{}", reloaded.message());
  });
  signal(SIGPIPE, SIG_IGN);

  // The watchdog is fed from the event loop, so it proves the loop still turns, and
  // only while the reflex answers: systemd restarts a failoverd whose reflex cannot be
  // brought back (reflex.h).
  uint64_t watchdog_usec = 0;
  std::function<void()> feed_watchdog;
  bool starving = false;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
    const auto period = std::chrono::microseconds(watchdog_usec / 2);
    feed_watchdog = [&loop, &clock, &feed_watchdog, &reflex, &starving, &log, period] {
      const bool responsive = reflex.Responsive();
      if (responsive) sd_notify(0, "WATCHDOG=1");
      if (responsive == starving)
        log->log(responsive ? spdlog::level::info : spdlog::level::err,
                 responsive ? "the reflex answers again: systemd's watchdog is fed again"
                            : "the reflex does not answer: systemd's watchdog is not fed until it does");
      starving = !responsive;
      loop.AddTimer(clock.Now() + period, feed_watchdog);
    };
    loop.AddTimer(clock.Now() + period, feed_watchdog);
    log->info("systemd watchdog: every {} ms", watchdog_usec / 2000);
  }

  sd_notify(0, "READY=1");
  log->info("ready: {} bridge(s), control socket {}", policy.bridges.size(), policy.daemon.control_socket);
  // A conversion makes its policy the last good one when it is confirmed.
  if (!migration.pending()) daemon.StartedSuccessfully();
  Status ran = loop.Run();
  if (!ran) log->critical("{}", ran.message());
  daemon.SetReflexListener(nullptr);
  daemon.SetProgressBeat(nullptr);
  reflex.Bye();  // a clean stop: the reflex ends with the daemon
  daemon.events().SetListener(nullptr);
  daemon.SetLinkPump(nullptr);
  if (migration.pending()) {
    // Not confirmed in time, or stopped inside the window: the host goes back.
    const std::string why = not_confirmed ? "not confirmed within " + std::to_string(migrate.confirm_seconds) + " s"
                                          : "failoverd stopped inside the confirm window";
    (void)migration.RollBack(why);
    return kExitNotConverted;
  }
  return ran ? 0 : 1;
}

int CheckPolicy(const std::string& policy_path, const policy::ParseResult& parsed) {
  const bool root = geteuid() == 0;
  firewall::NftFirewall firewall;
  const std::vector<std::string> problems = PolicyProblems(parsed, root ? &firewall : nullptr);
  const std::string state_dir =
      parsed.policy ? parsed.policy->daemon.state_dir : StateDirOfBrokenPolicy(policy_path);
  auto saved = LastGood(state_dir).Load();
  const std::optional<LastGood::Saved> last_good = saved ? *saved : std::nullopt;
  if (!problems.empty()) {
    for (const auto& problem : problems) std::fprintf(stderr, "%s\n", problem.c_str());
    std::fprintf(stderr, "failoverd: %zu problem(s) in %s\n", problems.size(), policy_path.c_str());
    if (last_good)
      std::fprintf(stderr, "failoverd: at its next start failoverd would run the last good policy (saved %s) instead\n",
                   last_good->saved_at.c_str());
    return 2;
  }
  // What is only suspicious (a port's MAC no NIC here has): said, but no reason to refuse.
  // A bridge name held by a device failoverd cannot take: refused.
  kernel::RtnlOps rtnl;
  std::vector<std::string> held;
  if (rtnl.Open())
    if (auto links = rtnl.DumpLinks()) {
      for (const auto& warning : PolicyWarnings(*parsed.policy, *links)) std::printf("%s\n", warning.c_str());
      for (const auto& bridge : parsed.policy->bridges) {
        auto holder = std::find_if(links->begin(), links->end(), [&](const auto& link) { return link.name == bridge.name; });
        const std::string problem =
            NameHeldProblem(*parsed.policy, bridge, holder == links->end() ? nullptr : &*holder);
        if (!problem.empty()) held.push_back(problem);
      }
    }
  if (!held.empty()) {
    for (const auto& problem : held) std::fprintf(stderr, "%s\n", problem.c_str());
    std::fprintf(stderr, "failoverd: %zu problem(s) in %s\n", held.size(), policy_path.c_str());
    return 2;
  }
  if (!root) {
    std::printf("%s: ok (not root, so the rules were not checked against nftables)\n", policy_path.c_str());
  } else if (CheckZones(*parsed.policy) != 0) {
    return 2;
  } else {
    std::printf("%s: ok\n", policy_path.c_str());
  }
  if (last_good) {
    if (auto copy = CopyPolicy(policy_path, *parsed.policy); copy && copy->Fingerprint() != last_good->copy.Fingerprint())
      std::printf("%s differs from the last good policy (saved %s): at the next start it runs under a %d s confirm "
                  "window, unless it is loaded now (`failoverctl reload`)\n",
                  policy_path.c_str(), last_good->saved_at.c_str(), parsed.policy->daemon.start_confirm_s);
  }
  return 0;
}

int CheckZones(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& recorded) {
  // nftables checks the rules only for root (it asks the kernel); nothing is committed.
  const bool root = geteuid() == 0;
  firewall::NftFirewall firewall;
  const PolicyCheck check = CheckPolicyOnHost(policy, root ? &firewall : nullptr, recorded);
  for (const auto& error : check.errors) std::fprintf(stderr, "%s\n", error.c_str());
  if (!check.ok()) return 2;
  if (!root) {
    std::printf("zones parsed; not root, so the ruleset was not checked against nftables\n");
    return 0;
  }
  // The whole table as the daemon would install it: the kernel checks the transaction.
  firewall::TableSpec spec;
  spec.nic_prefix = policy.nics.prefix;
  for (const auto& [name, zone] : check.zones) {
    spec.governed.push_back(name);
    spec.zones.push_back({name, zone});
  }
  if (Status ok = firewall.Check(firewall::TableScript(spec)); !ok) {
    std::fprintf(stderr, "%s: generated ruleset rejected by nftables: %s\n", policy.daemon.zones_dir.c_str(),
                 ok.message().c_str());
    return 2;
  }
  return 0;
}

}  // namespace failoverd
