// ConntrackTable: the sweep after a firewall repair (core/conntrack_sweep.h), over
// ctnetlink with libmnl. Each sweep opens its own NETLINK_NETFILTER socket, asks the
// kernel for the IPv4 and then the IPv6 entries lacking the accepted bit (the kernel
// filters by CTA_MARK/CTA_MARK_MASK, so the marked majority never crosses), judges
// each with core::JudgeEntry and deletes those it sweeps by their original tuple and
// CTA_ID (an entry re-created with the same tuple in between is a different one, and
// the kernel refuses the delete). Closing the socket ends an unfinished dump.
//
// Bounded: at most `max_entries` unmarked entries are looked at, and everything stops
// at `budget` (dump and deletes): the sweep runs on the daemon's loop after a repair,
// so a carrier loss that comes during it waits at most that long for the fast path
// (a sweep of a few hundred entries takes well under a millisecond). The report says
// when it stopped early. Owned by the daemon's runner; not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/core/conntrack_sweep.h"
#include "failoverd/kernel/sysctl.h"

struct nlmsghdr;

namespace failoverd::kernel {

// One entry of a ctnetlink dump: what the sweep judges, and what deleting it takes.
struct DumpedConntrack {
  core::ConntrackEntry entry;
  uint8_t family = 0;            // AF_INET or AF_INET6
  std::vector<uint8_t> tuple;    // the CTA_TUPLE_ORIG attribute as the kernel sent it
  std::optional<uint32_t> id;    // CTA_ID, network order as sent
  std::optional<uint16_t> zone;  // CTA_ZONE, network order as sent
};

// Reads one IPCTNL_MSG_CT_NEW message of a dump; nullopt for anything else or a
// malformed one (no original tuple, addresses of the wrong size).
std::optional<DumpedConntrack> ParseConntrackMessage(const nlmsghdr* nlh);

// How much one sweep may do.
struct SweepLimits {
  size_t max_entries = 65536;             // unmarked entries looked at
  std::chrono::milliseconds budget{50};  // for the whole sweep, dump and deletes
};

class ConntrackTable final : public core::ConntrackSweeper {
 public:
  using Limits = SweepLimits;
  explicit ConntrackTable(Limits limits = {}, std::string proc_sys_root = kProcSysRoot)
      : limits_(limits), proc_sys_root_(std::move(proc_sys_root)) {}

  Result<core::SweepReport> Sweep(const core::SweepScope& scope) override;

 private:
  // nf_conntrack_tcp_loose (per network namespace): whether a TCP stream whose entry
  // was deleted is picked up again as a new connection. Unreadable counts as no.
  bool TcpResumes() const;

  Limits limits_;
  std::string proc_sys_root_;
};

}  // namespace failoverd::kernel
