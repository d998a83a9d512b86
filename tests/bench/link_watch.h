// LinkWatch: the benchmark's own view of link changes in the namespace it runs
// in — one rtnetlink socket joined to RTNLGRP_LINK, read by a thread of its own
// that stamps every notification the moment recv() returns it (netlink has no
// SO_TIMESTAMP, and a reader busy cutting cables would stamp late). The failover
// timings are taken only from these notes, never from the daemon's own log, so
// any daemon (old, new, or a shell script) is measured the same way.
// Besides RTM_NEWLINK/RTM_DELLINK of the links themselves it keeps the bridge's
// AF_BRIDGE notifications, which carry a port's STP state (IFLA_BRPORT_STATE).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include "failoverd/common/status.h"

namespace failoverd::bench {

// One link notification (or one entry of a dump), reduced to what the benchmark asks.
struct LinkNote {
  BenchClock::time_point at;  // when recv() returned it
  bool deleted = false;       // RTM_DELLINK
  bool bridge_family = false; // AF_BRIDGE: a bridge port's own notification
  int ifindex = 0;
  int master = 0;        // IFLA_MASTER, 0 if none
  bool carrier = false;  // IFF_LOWER_UP
  int port_state = -1;   // IFLA_BRPORT_STATE (BR_STATE_*), -1 if not carried

  // A port of bridge `master_ifindex` that forwards (BR_STATE_FORWARDING).
  bool ForwardingPortOf(int master_ifindex) const;
};

class LinkWatch {
 public:
  LinkWatch() = default;
  ~LinkWatch();
  LinkWatch(const LinkWatch&) = delete;
  LinkWatch& operator=(const LinkWatch&) = delete;

  // Opens the socket in the calling thread's namespace and starts the reader.
  Status Open();

  // Drops every note received so far.
  void Clear();
  // Returns the first note (oldest first, consumed) that `match` accepts; the
  // notes before it are consumed too. nullopt at `deadline`.
  std::optional<LinkNote> WaitFor(const std::function<bool(const LinkNote&)>& match,
                                  BenchClock::time_point deadline);
  // Notifications the kernel dropped because the socket was full (ENOBUFS seen).
  int overflows() const;
  // Link notifications received since Open().
  long received() const;

  // The namespace's bridge ports now (RTM_GETLINK dump, AF_BRIDGE), on a socket of
  // its own: each with master, carrier and STP state.
  static Result<std::vector<LinkNote>> DumpBridgePorts();
  // The ifindex of link NAME in the calling thread's namespace (0 if none).
  static int IfIndex(const std::string& name);

 private:
  void ReadLoop();

  int fd_ = -1;
  int stop_fd_ = -1;  // eventfd that ends the reader
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<LinkNote> notes_;
  int overflows_ = 0;
  long received_ = 0;
};

}  // namespace failoverd::bench
