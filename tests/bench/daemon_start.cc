#include "daemon_start.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "bench_stats.h"
#include "lab_netns.h"

extern char** environ;

namespace failoverd::bench {
namespace {

using Ms = std::chrono::milliseconds;

// Waits for `pid` to exit until `deadline`; its wait status, or nullopt.
std::optional<int> Reap(pid_t pid, BenchClock::time_point deadline) {
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return -1;
    if (BenchClock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Ms(2));
  }
}

void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);  // our own child, by its pid
  Reap(pid, BenchClock::now() + Ms(5000));
}

}  // namespace

Result<StartRun> TimeStartToReady(const std::string& netns, const std::vector<std::string>& argv,
                                  const std::string& notify, const std::string& log,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) return Status::Error("no daemon command");
  if (!IsLabNetns(netns)) return Status::Error(netns + ": not a lab network namespace");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (notify.size() >= sizeof address.sun_path) return Status::Error(notify + ": path too long for a socket");
  std::memcpy(address.sun_path, notify.c_str(), notify.size());
  unlink(notify.c_str());
  const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (sock >= 0) close(sock);
    return Status::Error(notify + ": cannot bind: " + std::strerror(errno));
  }
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  // Everything the child needs is made before fork(): after it only async-signal-safe calls.
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env_text.emplace_back(*e);
  env_text.push_back("NOTIFY_SOCKET=" + notify);
  std::vector<char*> env, args;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string ns_path = "/run/netns/" + netns;

  const auto start = BenchClock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    close(sock);
    if (log_fd >= 0) close(log_fd);
    return Status::Error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    const int ns = open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(126);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  if (log_fd >= 0) close(log_fd);

  StartRun run;
  const auto deadline = start + timeout;
  bool ready = false;
  char buffer[4096];
  while (!ready) {
    const auto left = std::chrono::duration_cast<Ms>(deadline - BenchClock::now()).count();
    if (left < 0) break;
    pollfd pfd{sock, POLLIN, 0};
    // Wakes every 100 ms to notice a daemon that died before READY.
    if (poll(&pfd, 1, static_cast<int>(std::min<long>(left, 100)) + 1) <= 0) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        close(sock);
        unlink(notify.c_str());
        return Status::Error(argv[0] + " exited before READY=1 (wait status " + std::to_string(status) + "), see " + log);
      }
      continue;
    }
    const ssize_t got = recv(sock, buffer, sizeof buffer - 1, 0);
    const auto at = BenchClock::now();
    if (got <= 0) continue;
    buffer[got] = '\0';
    // The message is newline-separated VAR=VALUE assignments.
    for (const char* line = buffer; line && *line; line = std::strchr(line, '\n') ? std::strchr(line, '\n') + 1 : nullptr) {
      if (std::strncmp(line, "READY=1", 7) == 0 && (line[7] == '\n' || line[7] == '\0')) {
        ready = true;
        run.ready_ms = ElapsedMs(start, at);
      }
    }
  }
  close(sock);
  unlink(notify.c_str());
  if (!ready) {
    KillAndReap(pid);
    return Status::Error(argv[0] + ": no READY=1 within " + std::to_string(timeout.count()) + " ms, see " + log);
  }
  const auto stop_at = BenchClock::now();
  kill(pid, SIGTERM);
  const auto status = Reap(pid, stop_at + Ms(20000));
  if (!status) {
    KillAndReap(pid);
    return Status::Error(argv[0] + ": still running 20 s after SIGTERM");
  }
  run.stop_ms = ElapsedMs(stop_at, BenchClock::now());
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return Status::Error(argv[0] + ": exit status " + std::to_string(*status) + " after SIGTERM, see " + log);
  return run;
}

}  // namespace failoverd::bench
