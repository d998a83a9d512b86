// BaselineCommand: runs a standard tool (arping, rdisc6) once inside another lab
// namespace — the plain host of the benchmark — and times it, to measure the
// baselines bench_identify compares against in the same run: what the same
// question costs a stock tool on a host whose link is long up. The child enters
// the namespace with setns() itself, so no `ip netns exec` start-up is timed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/status.h"

namespace failoverd::bench {

struct CommandRun {
  int exit_status = -1;  // exit code; -1 if it was killed
  double wall_ms = 0;    // fork -> exit
  std::string output;    // stdout and stderr together
};

// Runs argv[0] (searched in PATH) in lab namespace NETNS; kills it after `timeout`.
Result<CommandRun> RunInNetns(const std::string& netns, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout);

// The round-trip time arping (Thomas Habets' arping 2.x) printed for its first
// reply ("... time=48.213 usec"), in ms; nullopt when there was no reply.
std::optional<double> ParseArpingRttMs(const std::string& output);

}  // namespace failoverd::bench
