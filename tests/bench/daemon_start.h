// DaemonStart: one start of the daemon under test, timed from fork+exec to its
// READY=1 — read from a unix datagram socket handed to it as NOTIFY_SOCKET, the
// way systemd learns it (the daemon's sd_notify) — and then stopped with SIGTERM.
// The child enters the lab namespace with setns() before exec, so no
// `ip netns exec` start-up is timed. The process is ours: it is killed (by its
// pid) if it is not ready or not gone in time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "failoverd/common/status.h"

namespace failoverd::bench {

struct StartRun {
  double ready_ms = 0;  // fork -> READY=1 received
  double stop_ms = 0;   // SIGTERM -> exit
};

// Runs argv (argv[0] a path) in lab namespace NETNS with stdout and stderr
// appended to LOG; NOTIFY is the socket path to create for it.
Result<StartRun> TimeStartToReady(const std::string& netns, const std::vector<std::string>& argv,
                                  const std::string& notify, const std::string& log,
                                  std::chrono::milliseconds timeout);

}  // namespace failoverd::bench
