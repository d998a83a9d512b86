#include "identify_round.h"

#include <poll.h>

#include <algorithm>

#include "failoverd/daemon/probe_manager.h"
#include "failoverd/kernel/cable_probe.h"

namespace failoverd::bench {

namespace {

using core::CableObservation;
using Ms = std::chrono::milliseconds;

bool Identifies(const RoundSetup& setup, const CableObservation& seen) {
  switch (setup.method) {
    case Method::kArp:
      return seen.kind == CableObservation::Kind::kArp && seen.arp.target == setup.arp_target;
    case Method::kRa:
      return seen.kind == CableObservation::Kind::kRouterAdvert &&
             std::find(seen.ra.prefixes.begin(), seen.ra.prefixes.end(), setup.ra_prefix) != seen.ra.prefixes.end();
    case Method::kLldp:
      return seen.kind == CableObservation::Kind::kLldp;
  }
  return false;
}

// The ProbeManager's schedule for this method: how many sends, how far apart.
struct Schedule {
  int tries = 0;
  Ms interval{0};
};

Schedule ScheduleOf(Method method) {
  switch (method) {
    case Method::kArp: return {ProbeManager::kArpTries, ProbeManager::kArpInterval};
    case Method::kRa: return {ProbeManager::kRsTries, ProbeManager::kRsInterval};
    case Method::kLldp: return {};
  }
  return {};
}

Status Send(const RoundSetup& setup, kernel::CableProbe& probe) {
  return setup.method == Method::kArp ? probe.SendArpProbe(setup.arp_target) : probe.SendRouterSolicitation();
}

// Waits for the next LLDP frame on `probe`; returns when it was decoded.
std::optional<BenchClock::time_point> NextLldp(kernel::CableProbe& probe, BenchClock::time_point deadline) {
  while (BenchClock::now() < deadline) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - BenchClock::now()).count();
    pollfd pfd{probe.fd(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left) + 1) <= 0) continue;
    for (const auto& seen : probe.Read())
      if (seen.kind == CableObservation::Kind::kLldp) return BenchClock::now();
  }
  return std::nullopt;
}

}  // namespace

std::optional<Method> ParseMethod(const std::string& text) {
  if (text == "arp") return Method::kArp;
  if (text == "ra") return Method::kRa;
  if (text == "lldp") return Method::kLldp;
  return std::nullopt;
}

const char* ToString(Method method) {
  switch (method) {
    case Method::kArp: return "arp";
    case Method::kRa: return "ra";
    case Method::kLldp: return "lldp";
  }
  return "?";
}

Result<RoundResult> MeasureRound(const RoundSetup& setup, const NicUnderTest& nic, BenchClock::time_point zero) {
  // A fresh socket per link-up, as ProbeManager::Start opens one: its cost counts.
  kernel::CableProbe probe(nic.ifindex, nic.name, nic.mac);
  if (Status opened = probe.Open(); !opened.ok()) return opened;
  RoundResult result;
  result.open_ms = ElapsedMs(zero, BenchClock::now());
  const Schedule schedule = ScheduleOf(setup.method);
  const auto deadline = zero + setup.timeout;
  for (;;) {
    const auto now = BenchClock::now();
    if (now >= deadline) break;
    auto wake = deadline;
    if (result.probes_sent < schedule.tries) {
      const auto due = zero + schedule.interval * result.probes_sent;
      if (now >= due) {
        if (Status sent = Send(setup, probe); !sent.ok()) return sent;
        ++result.probes_sent;
        continue;
      }
      wake = std::min(wake, due);
    }
    const auto left = std::chrono::duration_cast<Ms>(wake - now).count();
    pollfd pfd{probe.fd(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left) + 1) <= 0) continue;
    for (const auto& seen : probe.Read()) {
      if (!Identifies(setup, seen)) continue;
      const auto answered = BenchClock::now();
      result.identify_ms = ElapsedMs(zero, answered);
      if (setup.method == Method::kLldp && setup.lldp_interval) {
        if (auto next = NextLldp(probe, answered + setup.timeout)) result.lldp_interval_ms = ElapsedMs(answered, *next);
      }
      return result;
    }
  }
  return Status::Error(std::string(ToString(setup.method)) + ": no answer within " +
                       std::to_string(setup.timeout.count()) + " ms (" + std::to_string(result.probes_sent) +
                       " probes sent)");
}

}  // namespace failoverd::bench
