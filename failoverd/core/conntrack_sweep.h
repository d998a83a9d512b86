// After a firewall repair: which connection-tracking entries were opened to the host
// while table inet failoverd was missing, and so were never judged by a zone.
//
// The base chains accept established traffic, so a connection to a port the zone
// refuses, opened in the window between someone's `nft flush ruleset` and failoverd's
// repair, would otherwise keep working for as long as it lives. Conntrack records no
// input interface and, by default, no start time; instead the table marks every new
// connection its input and forward hooks let through (firewall::kAcceptedCtMark).
// After a repair an entry lacking that bit whose original destination is an address
// of a governed interface was opened in the window: deleting it makes its next packet
// a new connection (nf_conntrack_tcp_loose picks up a TCP stream mid-way), judged by
// the zone again — an allowed SSH session carries on, a refused port is dropped.
//
// The decision is here, pure; the kernel edge (kernel/conntrack_table.h) dumps the
// entries, asks JudgeEntry and deletes. The daemon owns a ConntrackSweeper.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd::core {

// One conntrack entry, as far as the sweep needs it: its original direction.
struct ConntrackEntry {
  uint8_t protocol = 0;  // IPPROTO_TCP (6), IPPROTO_UDP (17), IPPROTO_ICMP (1), ...
  IpAddress source;
  IpAddress destination;
  uint32_t mark = 0;
};

inline constexpr uint8_t kProtocolTcp = 6;

// What a sweep is about, from the daemon.
struct SweepScope {
  std::vector<IpAddress> managed;  // the addresses of every governed interface now
  std::vector<IpAddress> host;     // every address of the host (any interface), loopback implied
  uint32_t accepted_mark = 0;      // the bit the table sets on what it accepted
};

enum class SweepVerdict {
  kSweep,           // opened to a managed address while no zone judged it: delete it
  kAccepted,        // it has the bit: a zone (or the table's policy) accepted it
  kHostOpened,      // its source is the host's own: the host opened it (output is not filtered)
  kForwarded,       // neither end is the host's: routed through it, left alone (see below)
  kNotManaged,      // to the host, but to an address of an interface failoverd does not govern
  kTcpWouldBreak,   // would be swept, but without nf_conntrack_tcp_loose a deleted TCP
                    // entry's next packet is invalid and dropped even where the zone allows
                    // it: an SSH session would die, so it is kept
};

// Forwarded connections are never swept: conntrack does not say which interface one
// came in on, and deleting the entry of a translated flow (a masqueraded container's)
// breaks the translation. They are counted so the log can say they were left.
//
// `tcp_resumes`: nf_conntrack_tcp_loose is on (the kernel default), so a deleted TCP
// entry's next packet starts a new one instead of being invalid.
SweepVerdict JudgeEntry(const ConntrackEntry& entry, const SweepScope& scope, bool tcp_resumes);

// What one sweep found and did.
struct SweepReport {
  size_t examined = 0;   // entries without the bit the kernel handed over (it filters by mark)
  size_t swept = 0;      // deleted
  size_t vanished = 0;   // gone before their delete (ended, or deleted by someone else)
  size_t forwarded = 0;  // without the bit, forwarded: left alone
  size_t tcp_kept = 0;   // kTcpWouldBreak
  size_t failed = 0;     // deletes the kernel refused
  bool truncated = false;  // the entry or time limit stopped it; the rest were not looked at
  std::string note;        // why it was truncated, or what failed first
};

// Counts a verdict other than kSweep in `report` (the left-alone kinds it reports);
// true for kSweep, which the caller deletes and counts itself.
bool CountUnlessSwept(SweepVerdict verdict, SweepReport& report);

// Deletes the entries JudgeEntry sweeps. Bounded (kernel/conntrack_table.h says how),
// so a huge table never holds the event loop for long.
class ConntrackSweeper {
 public:
  virtual ~ConntrackSweeper() = default;
  virtual Result<SweepReport> Sweep(const SweepScope& scope) = 0;
};

}  // namespace failoverd::core
