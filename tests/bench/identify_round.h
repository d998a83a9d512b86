// One identification round: what the daemon's ProbeManager does when a NIC's
// carrier comes up, timed. At time zero (the carrier-up notification) it opens a
// fresh CableProbe on the NIC, sends ARP probes or router solicitations on the
// ProbeManager's own schedule (kArpTries every kArpInterval, kRsTries every
// kRsInterval; nothing for LLDP, which is passive) and waits for the first
// decoded answer that identifies the network: an ARP answer for the target, an
// RA carrying the prefix, or any LLDP neighbour.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "bench_stats.h"
#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd::bench {

enum class Method { kArp, kRa, kLldp };

std::optional<Method> ParseMethod(const std::string& text);
const char* ToString(Method method);

struct NicUnderTest {
  int ifindex = 0;
  std::string name;
  MacAddress mac;
};

struct RoundSetup {
  Method method = Method::kArp;
  IpAddress arp_target;
  IpPrefix ra_prefix;
  std::chrono::milliseconds timeout{10000};
  // LLDP only: after the first frame, also wait for the next one, and report
  // the gap (the agent's tx interval as seen on the wire).
  bool lldp_interval = false;
};

struct RoundResult {
  double identify_ms = 0;                 // time zero -> first matching answer decoded
  double open_ms = 0;                     // of which: time zero -> CableProbe open
  int probes_sent = 0;                    // ARP probes / RSs sent before the answer
  std::optional<double> lldp_interval_ms;  // with lldp_interval
};

// Fails when the probe cannot be opened or nothing matching arrives in time.
Result<RoundResult> MeasureRound(const RoundSetup& setup, const NicUnderTest& nic, BenchClock::time_point zero);

}  // namespace failoverd::bench
