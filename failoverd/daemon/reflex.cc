#include "failoverd/daemon/reflex.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "failoverd/core/fast_failover.h"
#include "failoverd/kernel/link_monitor.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "failoverd/runtime/logging.h"

extern char** environ;

namespace failoverd {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kCarrierWindow = std::chrono::milliseconds(core::kCarrierWindowMs);
constexpr size_t kMaxDatagramsPerWakeup = 64;

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

// The armed reflex: fails over from `table` until a daemon asks it to stop.
class ArmedReflex {
 public:
  ArmedReflex(core::ReflexTable table, std::string socket_path)
      : table_(std::move(table)), socket_path_(std::move(socket_path)), log_(GetLogger("reflex")) {}
  ~ArmedReflex() {
    if (listen_fd_ >= 0) {
      close(listen_fd_);
      unlink(socket_path_.c_str());
    }
  }

  int Run() {
    if (Status opened = rtnl_.Open(); !opened) return Fail("netlink: " + opened.message());
    if (Status opened = links_.Open(); !opened) return Fail("link notifications: " + opened.message());
    if (Status listening = Listen(); !listening) return Fail(listening.message());
    log_->warn("failoverd is gone: failing over on its last table ({} bridge(s)) until it is back, at most {} s",
               table_.entries.size(), kReflexHoldSeconds);
    const auto give_up = SteadyClock::now() + std::chrono::seconds(kReflexHoldSeconds);
    window_until_ = SteadyClock::now() + kCarrierWindow;
    AskActivePorts();  // a loss between the daemon's end and this moment
    while (SteadyClock::now() < give_up) {
      pollfd fds[2] = {{links_.fd(), POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      const bool watching = SteadyClock::now() < window_until_ || !pending_.empty();
      if (poll(fds, 2, watching ? 1 : 1000) < 0 && errno != EINTR) return Fail(std::string("poll: ") + strerror(errno));
      if (fds[0].revents) OnLinkNotifications();
      if (SteadyClock::now() < window_until_) AskActivePorts();
      ActOnLosses();
      if (fds[1].revents && HandOver()) return 0;
    }
    log_->warn("no failoverd asked for the reflex within {} s: it ends, and nothing fails over until failoverd runs",
               kReflexHoldSeconds);
    return 0;
  }

 private:
  int Fail(const std::string& why) {
    log_->error("the reflex cannot watch the links ({}); nothing fails over until failoverd runs again", why);
    return 1;
  }

  Status Listen() {
    unlink(socket_path_.c_str());
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const sockaddr_un address = UnixAddress(socket_path_);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        chmod(socket_path_.c_str(), 0600) != 0 || listen(listen_fd_, 4) != 0)
      return Status::Error("cannot listen on " + socket_path_ + ": " + strerror(errno));
    return Status::Ok();
  }

  bool IsActive(int ifindex) const {
    for (const auto& entry : table_.entries)
      if (entry.active == ifindex) return true;
    return false;
  }

  void NoteLoss(int ifindex) {
    if (IsActive(ifindex) && !pending_.count(ifindex)) pending_[ifindex] = SteadyClock::now();
  }

  void OnLinkNotifications() {
    bool overflow = false;
    std::vector<core::CarrierNote> notes;
    links_.Drain(&overflow, kMaxDatagramsPerWakeup, &notes);
    for (int lost : core::LostCarrier(notes)) NoteLoss(lost);
    window_until_ = SteadyClock::now() + kCarrierWindow;
    if (overflow) AskActivePorts();
  }

  void AskActivePorts() {
    for (const auto& entry : table_.entries)
      if (auto carrier = rtnl_.HasCarrier(entry.active); !carrier.ok() || !*carrier) NoteLoss(entry.active);
  }

  // Losses that have lasted the hold-down: the table's step, on the links as they are now.
  void ActOnLosses() {
    const auto now = SteadyClock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      const int lost = it->first;
      if (now - it->second < std::chrono::milliseconds(table_.hold_down_ms)) {
        ++it;
        continue;
      }
      it = pending_.erase(it);
      if (auto carrier = rtnl_.HasCarrier(lost); carrier.ok() && *carrier) continue;  // it came back
      auto links = rtnl_.DumpLinks();
      if (!links) continue;
      const auto step = core::ReflexStepFor(table_, lost, *links);
      if (!step) continue;
      if (Status attached = rtnl_.SetMaster(step->nic, step->bridge_ifindex); !attached) {
        log_->error("{}: attaching ifindex {} failed: {}", step->bridge, step->nic, attached.message());
        continue;
      }
      std::string nic = std::to_string(step->nic), dead = std::to_string(lost);
      for (const auto& link : *links) {
        if (link.ifindex == step->nic) nic = link.name;
        if (link.ifindex == lost) dead = link.name;
      }
      // Then the switches learn the new way to the bridge's addresses and MACs.
      const Status announced = rtnl_.Announce(step->nic, step->bridge_ifindex);
      const std::string what = step->bridge + ": " + nic + " attached (" + dead + " lost carrier)" +
                               (announced ? "" : "; announcing failed: " + announced.message());
      log_->warn("reflex: {}", what);
      done_.push_back(what);
      for (auto& entry : table_.entries)
        if (entry.active == lost) {
          entry.active = step->nic;
          std::erase(entry.standbys, step->nic);
        }
    }
  }

  // A daemon asks the reflex to stop: it answers with what it did, and ends.
  bool HandOver() {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return false;
    // A silent client holds the watch up for this long at most (only root may connect).
    const timeval bound{0, 200 * 1000};
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound));
    char request[16] = {};
    const ssize_t n = recv(client, request, sizeof(request) - 1, 0);
    if (n <= 0 || std::strncmp(request, "stop\n", 5) != 0) {
      close(client);
      return false;
    }
    std::string reply;
    for (const auto& line : done_) reply += line + "\n";
    reply += "end\n";
    (void)!send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
    close(client);
    log_->info("reflex: failoverd is back; handed over ({} failover(s) done)", done_.size());
    return true;
  }

  core::ReflexTable table_;
  const std::string socket_path_;
  std::shared_ptr<spdlog::logger> log_;
  kernel::RtnlOps rtnl_;
  kernel::LinkMonitor links_;
  int listen_fd_ = -1;
  SteadyClock::time_point window_until_{};
  std::map<int, SteadyClock::time_point> pending_;  // active ports without carrier, since when
  std::vector<std::string> done_;
};

// No word from the daemon for kReflexStallSeconds: unless something has come in the
// meantime, or it is not our daemon any more (we were handed to another parent: it is
// gone, and its end closes by itself), it is killed. True when it was; the caller then
// waits for its end of the pair to close.
bool KillStalledDaemon(int table_fd, pid_t daemon, spdlog::logger& log) {
  pollfd fd{table_fd, POLLIN, 0};
  if (poll(&fd, 1, 0) != 0 || getppid() != daemon) return false;
  if (kill(daemon, SIGKILL) != 0) return false;
  log.warn("reflex: failoverd (pid {}) has given no sign of progress for {} s: killed, so that no failover waits "
           "for it; the reflex fails over until the next failoverd takes over",
           daemon, kReflexStallSeconds);
  return true;
}

}  // namespace

int RunReflex(int table_fd, const std::string& socket_path) {
  // Nothing of the daemon's but stdio and the table: a descriptor it opened without
  // close-on-exec (a lock, a listening socket) must not live on in the reflex.
  if (table_fd == 3) close_range(4, ~0U, 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  auto log = GetLogger("reflex");
  core::ReflexTable table;
  std::vector<char> buffer(1 << 20);
  const pid_t daemon = getppid();
  bool killed = false;
  // While failoverd lives: keep its last table, change nothing.
  for (;;) {
    pollfd fd{table_fd, POLLIN, 0};
    // Once killed, its end closes as soon as the kernel has taken it down.
    const int ready = poll(&fd, 1, killed ? 2000 : kReflexStallSeconds * 1000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 && killed) {
      log->warn("reflex: the killed failoverd has not ended within 2 s; failing over anyway (it runs nothing more)");
      break;
    }
    if (ready == 0) {
      killed = KillStalledDaemon(table_fd, daemon, *log);
      continue;
    }
    const ssize_t n = recv(table_fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // failoverd's end closed: it is gone
    const std::string_view message(buffer.data(), static_cast<size_t>(n));
    if (message == "bye") return 0;
    // Every message is answered, so the daemon knows the reflex moves too (it feeds
    // systemd's watchdog only while both do). Never waits: a full pair drops the answer.
    (void)!send(table_fd, "ok", 2, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (message == "beat") continue;
    if (auto parsed = core::ParseReflexTable(message)) {
      table = std::move(*parsed);
    } else {
      log->error("reflex: a table it cannot read; keeping the last one");
    }
  }
  close(table_fd);
  if (table.entries.empty()) return 0;  // nothing it could do
  return ArmedReflex(std::move(table), socket_path).Run();
}

ReflexLink::~ReflexLink() {
  if (fd_ >= 0) close(fd_);  // without a bye: the reflex arms, as for a crash
}

std::vector<std::string> ReflexLink::HandOver(const std::string& socket_path) {
  std::vector<std::string> done;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return done;
  const timeval second{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof(second));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &second, sizeof(second));
  const sockaddr_un address = UnixAddress(socket_path);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno == ECONNREFUSED) unlink(socket_path.c_str());  // a reflex that ended without cleaning up
    close(fd);
    return done;
  }
  std::string reply;
  if (send(fd, "stop\n", 5, MSG_NOSIGNAL) == 5) {
    char chunk[4096];
    for (ssize_t n; reply.find("end\n") == std::string::npos && (n = recv(fd, chunk, sizeof(chunk), 0)) > 0;)
      reply.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  for (size_t start = 0, end; (end = reply.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = reply.substr(start, end - start);
    if (line == "end") break;
    done.push_back(std::move(line));
  }
  return done;
}

Status ReflexLink::Start(const std::string& socket_path, const std::string& log_level) {
  socket_path_ = socket_path;
  log_level_ = log_level;
  last_start_s_ = std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now().time_since_epoch()).count();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    return Status::Error(std::string("socketpair: ") + strerror(errno));
  char exe[4096] = {};
  if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) <= 0) {
    close(pair[0]);
    close(pair[1]);
    return Status::Error(std::string("/proc/self/exe: ") + strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pair[1], 3);  // the dup is not close-on-exec
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&attributes, &none);  // the daemon's signals are blocked for its signalfd
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  std::vector<std::string> args = {exe, "--reflex-fd", "3", "--reflex-socket", socket_path, "--log-level", log_level};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, exe, &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pair[1]);
  if (spawned != 0) {
    close(pair[0]);
    return Status::Error(std::string("cannot start the reflex: ") + strerror(spawned));
  }
  fd_ = pair[0];
  pid_ = pid;
  sent_.clear();
  last_heard_ = SteadyClock::now();  // a reflex starting gets its time to answer
  return Status::Ok();
}

void ReflexLink::Publish(const core::ReflexTable& table) {
  table_ = core::ReflexTableText(table);
  if (fd_ < 0 && !Revive()) return;
  if (table_ != sent_ && Send(table_)) sent_ = table_;  // not sent (EAGAIN): with the next change
}

void ReflexLink::Beat() {
  if (fd_ >= 0) HearAnswers();
  if (fd_ >= 0 && SteadyClock::now() - last_heard_ > std::chrono::seconds(kReflexSilenceSeconds)) {
    // Stopped, or stuck: while the daemon lives it is passive, so it is replaced.
    GetLogger("daemon")->error("the reflex (pid {}) has not answered for {} s: killed, and started again", pid_,
                               kReflexSilenceSeconds);
    if (pid_ > 0) kill(pid_, SIGKILL);
    close(fd_);
    fd_ = -1;
    Reap();  // never waits: one that has not ended yet is reaped by a later beat
  }
  if (dying_ > 0 && waitpid(dying_, nullptr, WNOHANG) == dying_) dying_ = 0;
  if (fd_ < 0) {
    if (Revive() && !table_.empty() && Send(table_)) sent_ = table_;
    return;
  }
  if (SteadyClock::now() - last_sent_ < std::chrono::milliseconds(250)) return;
  (void)Send("beat");
}

void ReflexLink::HearAnswers() {
  char answer[16];
  while (recv(fd_, answer, sizeof(answer), MSG_DONTWAIT) > 0) last_heard_ = SteadyClock::now();
}

bool ReflexLink::Responsive() {
  if (socket_path_.empty()) return true;  // none was asked for
  if (fd_ >= 0) HearAnswers();
  return fd_ >= 0 && SteadyClock::now() - last_heard_ <= std::chrono::seconds(kReflexSilenceSeconds);
}

bool ReflexLink::Revive() {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now().time_since_epoch()).count();
  if (socket_path_.empty() || now - last_start_s_ < kReflexReviveSeconds) return false;
  if (Status started = Start(socket_path_, log_level_); !started) {
    GetLogger("daemon")->error("{}", started.message());
    return false;
  }
  GetLogger("daemon")->warn("the reflex is running again (pid {})", pid_);
  return true;
}

bool ReflexLink::Send(const std::string& message) {
  if (send(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL) == static_cast<ssize_t>(message.size())) {
    last_sent_ = SteadyClock::now();
    return true;
  }
  if (errno == EAGAIN) return false;  // a full pair: the reflex reads it when it can
  GetLogger("daemon")->warn("the reflex ended ({}); while failoverd runs nothing needs it, it is started again",
                            strerror(errno));
  close(fd_);
  fd_ = -1;
  Reap();
  return false;
}

void ReflexLink::Bye() {
  if (fd_ < 0) return;
  // Closing with the reflex's answers still unread would make the kernel report the
  // close as a reset (ECONNRESET) to the reflex before it reads the "bye", and it would
  // arm as for a crash: no answer can come in after SHUT_RD, and those queued are read.
  shutdown(fd_, SHUT_RD);
  HearAnswers();
  (void)!send(fd_, "bye", 3, MSG_DONTWAIT | MSG_NOSIGNAL);
  close(fd_);
  fd_ = -1;
  Reap();
}

void ReflexLink::Reap() {
  if (pid_ <= 0) return;
  if (waitpid(pid_, nullptr, WNOHANG) != pid_) dying_ = pid_;  // ends soon: a later beat reaps it
  pid_ = 0;
}

}  // namespace failoverd
