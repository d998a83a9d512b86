#include "baseline_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>

#include "bench_stats.h"
#include "lab_netns.h"

namespace failoverd::bench {

Result<CommandRun> RunInNetns(const std::string& netns, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status::Error("no command");
  if (!IsLabNetns(netns)) return Status::Error(netns + ": not a lab network namespace");
  // Everything the child needs is made before fork(): after it, only
  // async-signal-safe calls until exec.
  const std::string ns_path = "/run/netns/" + netns;
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + std::strerror(errno));

  const auto start = BenchClock::now();
  const pid_t pid = fork();
  if (pid < 0) return Status::Error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(126);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);

  CommandRun run;
  const auto deadline = start + timeout;
  bool killed = false;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - BenchClock::now()).count();
    if (left < 0 && !killed) {
      kill(pid, SIGKILL);  // our own child, by its pid
      killed = true;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (poll(&pfd, 1, killed ? 1000 : static_cast<int>(left) + 1) <= 0) {
      if (killed) break;
      continue;
    }
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child closed its output (exited)
    run.output.append(buffer, static_cast<size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.wall_ms = ElapsedMs(start, BenchClock::now());
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (run.exit_status == 126) return Status::Error(netns + ": the child could not enter the namespace");
  if (run.exit_status == 127) return Status::Error(argv[0] + ": cannot run it");
  return run;
}

std::optional<double> ParseArpingRttMs(const std::string& output) {
  static const std::regex kTime(R"(time=([0-9.]+) *(usec|msec|sec))");
  std::smatch match;
  if (!std::regex_search(output, match, kTime)) return std::nullopt;
  const double value = std::strtod(match[1].str().c_str(), nullptr);
  const std::string unit = match[2].str();
  if (unit == "usec") return value / 1000;
  if (unit == "msec") return value;
  return value * 1000;
}

}  // namespace failoverd::bench
