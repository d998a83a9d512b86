// bench_failover: how fast a failover happens, timed from kernel events only, so
// that any contender is measured the same way: failoverd (this build or an older
// one), a shell script reacting to `ip monitor link`, or a Linux bridge with STP.
// Run by hand through tests/bench/run_failover_bench.sh, which builds the lab and
// calls one subcommand per measurement; each prints one JSON object per series
// (see bench_json.h) and the wrapper pairs them with their baselines.
//   failover  rounds of cut -> standby forwarding, with an ICMP stream's outage
//             (optionally with the daemon frozen and a storm of link changes first)
//   start     daemon fork+exec -> READY=1, then SIGTERM (run in the root namespace;
//             the daemon itself enters the lab namespace)
//   time      a baseline command's run time inside a lab namespace
//   idle      resident memory and wake-ups per minute of some processes at rest
//   stats     numbers on stdin -> one series (for runs the wrapper loops over)
// Link changes happen only inside lab namespaces (lab_netns.h guards them).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "baseline_command.h"
#include "bench_json.h"
#include "daemon_start.h"
#include "failover_round.h"
#include "failoverd/kernel/kernel_log.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "lab_netns.h"

namespace failoverd::bench {
namespace {

using Ms = std::chrono::milliseconds;

int Fail(const std::string& message) {
  std::fprintf(stderr, "bench_failover: %s\n", message.c_str());
  return 1;
}

struct FailoverOptions {
  std::string netns, bridge = "eth0", switch_ns, label = "failover", settle_cmd, stream_ns, stream_dst, storm_batch;
  std::string before_cut_cmd, after_forward_cmd;
  std::vector<std::string> nics;  // NAME=SWITCH_PORT
  int rounds = 50, warmup = 1, stream_interval_us = 200, timeout_ms = 30000, pause_ms = 50, freeze_pid = 0;
  bool any_active = false, unplug = false;
};

int RunFailover(const FailoverOptions& o) {
  if (!InLabNetns(o.netns))
    return Fail("not inside lab namespace '" + o.netns + "': run as ip netns exec NAME bench_failover failover --netns NAME");
  kernel::ComponentLogger(kernel::kNetlinkLogger)->set_level(spdlog::level::warn);
  std::vector<LabNic> nics;
  kernel::RtnlOps rtnl;  // reads the NICs' MACs for --unplug
  if (Status opened = rtnl.Open(); !opened.ok()) return Fail(opened.message());
  for (const auto& spec : o.nics) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos) return Fail("--nic wants NAME=SWITCH_PORT, got " + spec);
    LabNic nic;
    nic.name = spec.substr(0, eq);
    nic.ifindex = LinkWatch::IfIndex(nic.name);
    if (nic.ifindex == 0) return Fail(nic.name + ": no such link in " + o.netns);
    if (o.unplug) {
      auto link = rtnl.GetLinkByName(nic.name);
      if (!link.ok()) return Fail(link.message());
      nic.mac = link->mac.ToString();
    }
    auto cable = SwitchPort::Open(o.switch_ns, spec.substr(eq + 1));
    if (!cable.ok()) return Fail(cable.message());
    nic.cable = std::move(cable).value();
    nics.push_back(std::move(nic));
  }
  LinkWatch watch;
  if (Status opened = watch.Open(); !opened.ok()) return Fail(opened.message());
  std::unique_ptr<EchoStream> stream;
  if (!o.stream_ns.empty()) {
    stream = std::make_unique<EchoStream>();
    if (Status started = stream->Start(o.stream_ns, o.stream_dst, std::chrono::microseconds(o.stream_interval_us));
        !started.ok())
      return Fail(started.message());
  }
  RoundSetup setup;
  setup.netns = o.netns;
  setup.bridge_ifindex = LinkWatch::IfIndex(o.bridge);
  if (setup.bridge_ifindex == 0) return Fail(o.bridge + ": no such bridge in " + o.netns);
  setup.nics = &nics;
  setup.watch = &watch;
  setup.stream = stream.get();
  setup.settle_cmd = o.settle_cmd;
  setup.expect_swap = !o.any_active;
  setup.freeze_pid = o.freeze_pid;
  setup.storm_batch = o.storm_batch;
  setup.unplug = o.unplug;
  setup.before_cut_cmd = o.before_cut_cmd;
  setup.after_forward_cmd = o.after_forward_cmd;
  setup.timeout = Ms(o.timeout_ms);

  Samples failover, cut, carrier, outage, lost, storm;
  int failed = 0, failed_in_a_row = 0;
  // Replies need a moment to flow before the first cut (the stream's window opens 20 ms before it).
  std::this_thread::sleep_for(Ms(o.pause_ms));
  for (int round = -o.warmup; round < o.rounds && failed_in_a_row < 3; ++round) {
    auto result = RunFailoverRound(setup);
    const char* tag = round < 0 ? "warm-up" : "round";
    if (!result.ok()) {
      std::fprintf(stderr, "# %s %s %d: FAILED: %s\n", o.label.c_str(), tag, round, result.message().c_str());
      ++failed;
      ++failed_in_a_row;
      continue;
    }
    failed_in_a_row = 0;
    std::fprintf(stderr, "# %s %s %d: %s -> %s: t0->forwarding %.3f ms, cut->forwarding %.3f ms, cut->carrier %.3f ms",
                 o.label.c_str(), tag, round, result->from.c_str(), result->to.c_str(), result->t0_to_forward_ms,
                 result->cut_to_forward_ms, result->cut_to_carrier_ms);
    if (result->outage)
      std::fprintf(stderr, ", outage %.3f ms, lost %d of %d", result->outage->longest_gap_ms, result->outage->lost,
                   result->outage->sent);
    if (o.freeze_pid > 0) std::fprintf(stderr, ", storm %.0f ms", result->storm_ms);
    std::fprintf(stderr, "\n");
    if (round >= 0) {
      failover.Add(result->t0_to_forward_ms);
      cut.Add(result->cut_to_forward_ms);
      carrier.Add(result->cut_to_carrier_ms);
      if (result->outage) {
        outage.Add(result->outage->longest_gap_ms);
        lost.Add(result->outage->lost);
      }
      if (o.freeze_pid > 0) storm.Add(result->storm_ms);
    }
    std::this_thread::sleep_for(Ms(o.pause_ms));  // a quiet stretch before the next cut
  }
  const std::string t0 = o.freeze_pid > 0 ? "SIGCONT to the frozen daemon" : "carrier-loss notification of the active NIC";
  PrintSeries(o.label, t0 + " -> AF_BRIDGE notification: the standby is a forwarding port", failover);
  PrintSeries(o.label + ".cut", "switch end down (request sent) -> standby forwarding", cut);
  PrintSeries(o.label + ".kernel_carrier", "switch end down (request sent) -> carrier-loss notification", carrier);
  if (stream) {
    const double interval_ms = o.stream_interval_us / 1000.0;
    PrintSeries(o.label + ".outage",
                "longest gap between ICMP echo replies around the cut (stream every " +
                    std::to_string(interval_ms).substr(0, 5) + " ms)",
                outage);
    PrintSeries(o.label + ".lost", "echo requests without a reply around the cut", lost, "packets");
  }
  if (o.freeze_pid > 0 && !o.storm_batch.empty()) PrintSeries(o.label + ".storm", "the storm batch's run time", storm);
  if (stream) stream->Stop();
  if (failed) return Fail(o.label + ": " + std::to_string(failed) + " round(s) failed");
  return 0;
}

struct StartOptions {
  std::string netns, label = "start", notify, log;
  std::vector<std::string> command;
  int runs = 1, timeout_ms = 60000;
};

int RunStart(const StartOptions& o) {
  Samples ready, stop;
  for (int run = 0; run < o.runs; ++run) {
    auto result = TimeStartToReady(o.netns, o.command, o.notify, o.log, Ms(o.timeout_ms));
    if (!result.ok()) return Fail(o.label + ": " + result.message());
    std::fprintf(stderr, "# %s run %d: READY after %.3f ms, stopped in %.3f ms\n", o.label.c_str(), run,
                 result->ready_ms, result->stop_ms);
    ready.Add(result->ready_ms);
    stop.Add(result->stop_ms);
  }
  PrintSeries(o.label, "fork+exec of the daemon -> READY=1 on its NOTIFY_SOCKET", ready);
  PrintSeries(o.label + ".stop", "SIGTERM -> exit", stop);
  return 0;
}

int RunTime(const StartOptions& o) {
  Samples wall;
  for (int run = 0; run < o.runs; ++run) {
    auto result = RunInNetns(o.netns, o.command, Ms(o.timeout_ms));
    if (!result.ok()) return Fail(o.label + ": " + result.message());
    if (result->exit_status != 0)
      return Fail(o.label + ": exit status " + std::to_string(result->exit_status) + ": " + result->output.substr(0, 400));
    std::fprintf(stderr, "# %s run %d: %.3f ms\n", o.label.c_str(), run, result->wall_ms);
    wall.Add(result->wall_ms);
  }
  std::string what;
  for (const auto& word : o.command) what += (what.empty() ? "" : " ") + word;
  PrintSeries(o.label, "run time (fork -> exit) of: " + what, wall);
  return 0;
}

// Sum of `key` (kB or a count) over /proc/PID/status of `pids`; -1 if one is gone.
long SumStatus(const std::vector<int>& pids, const std::vector<std::string>& keys) {
  long sum = 0;
  for (const int pid : pids) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status) return -1;
    std::string line;
    while (std::getline(status, line))
      for (const auto& key : keys)
        if (line.rfind(key + ":", 0) == 0) sum += std::stol(line.substr(key.size() + 1));
  }
  return sum;
}

int RunIdle(const std::string& label, const std::vector<int>& pids, int seconds) {
  const std::vector<std::string> switches = {"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"};
  const long before = SumStatus(pids, switches);
  const long rss = SumStatus(pids, {"VmRSS"});
  if (before < 0 || rss < 0) return Fail(label + ": a process is gone");
  std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the idle period itself is what is measured
  const long after = SumStatus(pids, switches);
  if (after < 0) return Fail(label + ": a process exited while idle");
  std::printf("{\"name\":%s,\"what\":\"VmRSS and context switches (voluntary + involuntary) while idle\","
              "\"processes\":%zu,\"rss_kb\":%ld,\"idle_s\":%d,\"wakeups\":%ld,\"wakeups_per_min\":%.2f}\n",
              JsonString(label).c_str(), pids.size(), rss, seconds, after - before,
              static_cast<double>(after - before) * 60.0 / seconds);
  return 0;
}

int RunStats(const std::string& label, const std::string& what, const std::string& unit) {
  Samples samples;
  double value;
  while (std::cin >> value) samples.Add(value);
  PrintSeries(label, what, samples, unit);
  return samples.empty() ? Fail(label + ": no samples") : 0;
}

}  // namespace
}  // namespace failoverd::bench

int main(int argc, char** argv) {
  using namespace failoverd::bench;
  CLI::App app{"Failover, start-up and resource numbers, timed from kernel events (tests/bench/run_failover_bench.sh)"};
  app.require_subcommand(1);

  FailoverOptions f;
  auto* failover = app.add_subcommand("failover", "cut -> standby forwarding rounds (run inside the server namespace)");
  failover->add_option("--netns", f.netns, "the lab namespace this runs in (checked)")->required();
  failover->add_option("--bridge", f.bridge, "the bridge whose port fails over");
  failover->add_option("--nic", f.nics, "NAME=SWITCH_PORT, twice: the NICs and their cables' switch ends")->required();
  failover->add_option("--switch-ns", f.switch_ns, "lab namespace of the switch")->required();
  failover->add_option("--label", f.label, "series name prefix");
  failover->add_option("--rounds", f.rounds, "measured rounds");
  failover->add_option("--warmup", f.warmup, "rounds run first and not counted");
  failover->add_option("--settle-cmd", f.settle_cmd, "bash -c text that exits 0 once settled ($1 took over, $2 came back)");
  failover->add_flag("--any-active", f.any_active, "after the restore any one forwarding NIC is settled (STP)");
  failover->add_flag("--unplug", f.unplug, "remove the active NIC (its veth pair) instead of cutting its carrier");
  failover->add_option("--before-cut-cmd", f.before_cut_cmd, "bash -c text run right before each cut (server namespace)");
  failover->add_option("--after-forward-cmd", f.after_forward_cmd, "bash -c text run once the standby forwards");
  failover->add_option("--stream-ns", f.stream_ns, "lab namespace of the peer sending the ICMP stream");
  failover->add_option("--stream-dst", f.stream_dst, "the server's address");
  failover->add_option("--stream-interval-us", f.stream_interval_us, "one echo request every N µs");
  failover->add_option("--timeout-ms", f.timeout_ms, "a round's limit for forwarding and for settling");
  failover->add_option("--pause-ms", f.pause_ms, "quiet time after a settled round");
  failover->add_option("--freeze-pid", f.freeze_pid, "SIGSTOP this pid before the cut, SIGCONT after it (t0)");
  failover->add_option("--storm-batch", f.storm_batch, "ip -batch file run while frozen");

  StartOptions s;
  auto* start = app.add_subcommand("start", "daemon start -> READY=1, then SIGTERM");
  start->add_option("--netns", s.netns, "lab namespace the daemon runs in")->required();
  start->add_option("--label", s.label, "series name");
  start->add_option("--runs", s.runs, "starts in a row (the first on the host as it is, the rest restarts)");
  start->add_option("--notify", s.notify, "NOTIFY_SOCKET path to create")->required();
  start->add_option("--log", s.log, "the daemon's output, appended")->required();
  start->add_option("--timeout-ms", s.timeout_ms, "limit for READY=1");
  start->add_option("command", s.command, "-- failoverd ARGS...")->required();

  StartOptions t;
  auto* time = app.add_subcommand("time", "a command's run time inside a lab namespace");
  time->add_option("--netns", t.netns, "lab namespace")->required();
  time->add_option("--label", t.label, "series name");
  time->add_option("--runs", t.runs, "runs");
  time->add_option("--timeout-ms", t.timeout_ms, "kill it after this long");
  time->add_option("command", t.command, "-- COMMAND ARGS...")->required();

  std::string idle_label = "idle";
  std::vector<int> idle_pids;
  int idle_seconds = 60;
  auto* idle = app.add_subcommand("idle", "VmRSS and wake-ups per minute of processes at rest");
  idle->add_option("--label", idle_label, "name");
  idle->add_option("--pid", idle_pids, "process ids (summed)")->required();
  idle->add_option("--seconds", idle_seconds, "idle period");

  std::string stats_label = "series", stats_what, stats_unit = "ms";
  auto* stats = app.add_subcommand("stats", "numbers on stdin -> one series");
  stats->add_option("--label", stats_label, "series name");
  stats->add_option("--what", stats_what, "what was measured");
  stats->add_option("--unit", stats_unit, "unit of the numbers");

  CLI11_PARSE(app, argc, argv);
  if (*failover) return RunFailover(f);
  if (*start) return RunStart(s);
  if (*time) return RunTime(t);
  if (*idle) return RunIdle(idle_label, idle_pids, idle_seconds);
  return RunStats(stats_label, stats_what, stats_unit);
}
