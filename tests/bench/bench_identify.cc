// bench_identify: how long failoverd needs to identify a cable's network after
// the cable comes up, per method — ARP (a probe at link-up, the answer of the
// host owning the target), RA (a router solicitation at link-up, the router's
// advertisement) and LLDP (passive: the switch's next LLDPDU). Each round cuts
// and restores the switch end of the cable, waits for the carrier-up
// notification on the server NIC (time zero, as the daemon learns it) and times
// the first decoded answer on a fresh CableProbe, with the ProbeManager's own
// send schedule. Needs root; runs inside the lab namespaces that
// tests/bench/run_identify_bench.sh makes, and refuses to run anywhere else.
//
// Baselines, measured in the same run, one per round right after it:
//   arp   `arping -c 1` round-trip time from a plain host to the same peer
//   ra    `rdisc6 -1` on a plain host whose link is long up: its solicitation ->
//         answer time, timed on that host's wire (its run time is printed too)
//   lldp  the gap between the first LLDPDU and the next one: the agent's tx
//         interval as seen on the wire (a passive method waits a fraction of it)
// Prints median, p99 and the ratio of the medians (identify / baseline).
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "baseline_command.h"
#include "bench_stats.h"
#include "carrier_watch.h"
#include "failoverd/kernel/cable_probe.h"
#include "failoverd/kernel/kernel_log.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "identify_round.h"
#include "lab_netns.h"
#include "switch_port.h"
#include "wire_timer.h"

namespace failoverd::bench {
namespace {

using Ms = std::chrono::milliseconds;

struct Options {
  std::string netns, nic, method_text = "arp", label, switch_ns, switch_port, baseline_ns, baseline_ifname = "net0";
  std::string arp_target = "192.0.2.1", ra_prefix = "2001:db8:1::/64";
  int rounds = 20, warmup = 1, down_ms = 200, down_jitter_ms = 1000, timeout_ms = 10000;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "bench_identify: %s\n", message.c_str());
  return 1;
}

// The baseline of one round, in ms; nullopt when the tool got no answer.
struct Baseline {
  Method method;
  const Options& options;
  WireTimer* wire;  // RA only
  Samples run_ms;   // RA only: `rdisc6 -1` run time, process start-up included

  std::optional<double> Measure(const RoundResult& round) {
    switch (method) {
      case Method::kArp: {
        auto run = RunInNetns(options.baseline_ns,
                              {"arping", "-c", "1", "-w", "2", "-i", options.baseline_ifname, options.arp_target}, Ms(5000));
        return run.ok() ? ParseArpingRttMs(run->output) : std::nullopt;
      }
      case Method::kRa: {
        // Timed on the wire (see wire_timer.h); the run time is kept for the record.
        if (!wire) return std::nullopt;
        wire->Clear();
        auto run = RunInNetns(options.baseline_ns,
                              {"rdisc6", "-1", "-q", "-n", "-r", "1", "-w", "3000", options.baseline_ifname}, Ms(5000));
        if (!run.ok() || run->exit_status != 0 || run->output.find(options.ra_prefix) == std::string::npos)
          return std::nullopt;
        run_ms.Add(run->wall_ms);
        return wire->SolicitationToAdvertMs();
      }
      case Method::kLldp:
        return round.lldp_interval_ms;
    }
    return std::nullopt;
  }

  const char* Description() const {
    switch (method) {
      case Method::kArp: return "arping -c 1 RTT, plain host -> peer";
      case Method::kRa: return "rdisc6 -1 RS -> RA on the plain host's wire";
      case Method::kLldp: return "LLDPDU gap on the wire (tx interval)";
    }
    return "?";
  }
};

const char* AnswerOf(Method method) {
  switch (method) {
    case Method::kArp: return "first ARP answer for the target";
    case Method::kRa: return "first RA with the prefix";
    case Method::kLldp: return "first LLDPDU decoded";
  }
  return "?";
}

int Run(const Options& options) {
  const auto method = ParseMethod(options.method_text);
  if (!method) return Fail("--method must be arp, ra or lldp");
  if (!InLabNetns(options.netns))
    return Fail("not inside lab namespace '" + options.netns + "': run as ip netns exec NAME bench_identify --netns NAME");
  if (!IsLabNetns(options.switch_ns)) return Fail(options.switch_ns + ": not a lab namespace");
  if (*method != Method::kLldp && !IsLabNetns(options.baseline_ns))
    return Fail("--baseline-ns: '" + options.baseline_ns + "' is not a lab namespace");
  RoundSetup setup;
  setup.method = *method;
  setup.timeout = Ms(options.timeout_ms);
  setup.lldp_interval = *method == Method::kLldp;
  auto target = IpAddress::Parse(options.arp_target);
  auto prefix = IpPrefix::Parse(options.ra_prefix);
  if (!target || target->family != IpFamily::kV4) return Fail("--arp-target needs an IPv4 address");
  if (!prefix) return Fail("--ra-prefix needs a prefix");
  setup.arp_target = *target;
  setup.ra_prefix = *prefix;

  NicUnderTest nic;
  nic.name = options.nic;
  kernel::RtnlOps rtnl;
  if (Status opened = rtnl.Open(); !opened) return Fail(opened.message());
  auto link = rtnl.GetLinkByName(options.nic);
  if (!link) return Fail(options.nic + ": no such interface here: " + link.message());
  nic.ifindex = link->ifindex;
  nic.mac = link->mac;

  // The edge logs every link change at info; the numbers are what matters here.
  kernel::ComponentLogger(kernel::kNetlinkLogger)->set_level(spdlog::level::warn);
  kernel::ComponentLogger(kernel::kProbeLogger)->set_level(spdlog::level::warn);
  auto port = SwitchPort::Open(options.switch_ns, options.switch_port);
  if (!port.ok()) return Fail(port.message());
  CarrierWatch watch;
  if (Status opened = watch.Open(); !opened.ok()) return Fail(opened.message());

  Samples identify, open_ms, baseline_ms, notice_ms, probes;
  std::unique_ptr<WireTimer> wire;
  if (*method == Method::kRa) {
    auto opened = WireTimer::Open(options.baseline_ns, options.baseline_ifname);
    if (!opened.ok()) return Fail(opened.message());
    wire = std::move(opened).value();
  }
  Baseline baseline{*method, options, wire.get(), {}};
  // Link-up lands at a random moment: a passive method's wait depends on where in the
  // agent's tx period the cable comes back, and a fixed round length would lock it.
  std::mt19937 random(20240601);
  std::uniform_int_distribution<int> jitter(0, std::max(0, options.down_jitter_ms));
  int missed = 0;
  std::printf("# %s on %s: %d rounds (+%d warm-up), cable down %d ms + random 0-%d ms per round\n",
              ToString(*method), options.nic.c_str(), options.rounds, options.warmup, options.down_ms,
              options.down_jitter_ms);
  for (int round = -options.warmup; round < options.rounds; ++round) {
    if (Status cut = port.value()->Cut(); !cut.ok()) return Fail(cut.message());
    if (auto down = watch.WaitFor(nic.ifindex, false, Ms(5000)); !down.ok()) return Fail(down.message());
    std::this_thread::sleep_for(Ms(options.down_ms + jitter(random)));  // out a moment, as a real pull is
    if (Status restored = port.value()->Restore(); !restored.ok()) return Fail(restored.message());
    const auto restored_at = BenchClock::now();
    auto zero = watch.WaitFor(nic.ifindex, true, Ms(5000));
    if (!zero.ok()) return Fail(zero.message());
    auto result = MeasureRound(setup, nic, *zero);
    const std::optional<double> base = result.ok() ? baseline.Measure(*result) : std::nullopt;
    const char* tag = round < 0 ? "warm-up" : "round";
    if (!result.ok()) {
      std::printf("# %s %d: %s\n", tag, round, result.message().c_str());
      if (round >= 0) ++missed;
      continue;
    }
    std::printf("# %s %d: identified in %.3f ms (open %.3f ms, %d sent), baseline %s ms, carrier notice %.3f ms\n",
                tag, round, result->identify_ms, result->open_ms, result->probes_sent,
                base ? std::to_string(*base).c_str() : "-", ElapsedMs(restored_at, *zero));
    if (round < 0) continue;
    identify.Add(result->identify_ms);
    open_ms.Add(result->open_ms);
    probes.Add(result->probes_sent);
    notice_ms.Add(ElapsedMs(restored_at, *zero));
    if (base) baseline_ms.Add(*base);
  }
  std::fflush(stdout);

  const std::string label = options.label.empty() ? ToString(*method) : options.label;
  std::printf("%s: carrier up -> %s (%zu of %d rounds answered)\n", label.c_str(), AnswerOf(*method),
              identify.size(), options.rounds);
  std::printf("  identify   median %9.3f ms   p99 %9.3f ms   probes sent median %.0f\n", identify.Median(),
              identify.P99(), probes.Median());
  std::printf("             of which CableProbe::Open: median %.3f ms   p99 %.3f ms\n", open_ms.Median(), open_ms.P99());
  std::printf("  baseline   median %9.3f ms   p99 %9.3f ms   (%s, %zu samples)\n", baseline_ms.Median(),
              baseline_ms.P99(), baseline.Description(), baseline_ms.size());
  if (!baseline.run_ms.empty())
    std::printf("             (rdisc6 -1 run time, process start-up included: median %.3f ms)\n",
                baseline.run_ms.Median());
  std::printf("  ratio      identify median / baseline median = %.2f\n", Ratio(identify.Median(), baseline_ms.Median()));
  std::printf("  carrier    restore ack -> carrier-up notification: median %.3f ms   p99 %.3f ms\n", notice_ms.Median(),
              notice_ms.P99());
  std::printf("ROW %s %zu/%d %.3f %.3f %.3f %.3f %.2f\n", label.c_str(), identify.size(), options.rounds,
              identify.Median(), identify.P99(), baseline_ms.Median(), baseline_ms.P99(),
              Ratio(identify.Median(), baseline_ms.Median()));
  return missed == options.rounds ? 1 : 0;
}

}  // namespace
}  // namespace failoverd::bench

int main(int argc, char** argv) {
  failoverd::bench::Options o;
  CLI::App app{"Identification time per method after a cable comes up (run by tests/bench/run_identify_bench.sh)"};
  app.add_option("--netns", o.netns, "the lab namespace this runs in (checked)")->required();
  app.add_option("--nic", o.nic, "the server NIC whose cable is cut and restored")->required();
  app.add_option("--method", o.method_text, "arp, ra or lldp")->required();
  app.add_option("--label", o.label, "name of the case in the output (default: the method)");
  app.add_option("--rounds", o.rounds, "measured rounds");
  app.add_option("--warmup", o.warmup, "rounds run first and not counted");
  app.add_option("--switch-ns", o.switch_ns, "lab namespace of the switch")->required();
  app.add_option("--switch-port", o.switch_port, "the switch end of the NIC's cable")->required();
  app.add_option("--baseline-ns", o.baseline_ns, "lab namespace of the plain host (arp, ra)");
  app.add_option("--baseline-ifname", o.baseline_ifname, "its interface");
  app.add_option("--arp-target", o.arp_target, "IPv4 address the peer owns");
  app.add_option("--ra-prefix", o.ra_prefix, "prefix the router advertises");
  app.add_option("--down-ms", o.down_ms, "how long the cable stays cut per round");
  app.add_option("--down-jitter-ms", o.down_jitter_ms, "plus a random 0..N ms, so link-up lands at any phase");
  app.add_option("--timeout-ms", o.timeout_ms, "give a round up after this long");
  CLI11_PARSE(app, argc, argv);
  return failoverd::bench::Run(o);
}
