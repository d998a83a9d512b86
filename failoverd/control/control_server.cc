#include "failoverd/control/control_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "failoverd/runtime/logging.h"

namespace failoverd {
namespace {

constexpr int kListenBacklog = 32;
// Accept at most this many connections per wake-up so one burst cannot starve
// the rest of the loop; level-triggered epoll brings us back for the others.
constexpr int kAcceptBurst = 16;
// After running out of file descriptors, stop accepting for this long instead
// of spinning on a listening socket that stays readable.
constexpr Millis kAcceptRetry{200};
constexpr size_t kReadChunk = 4096;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool FillAddress(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

bool IsFollowRequest(const Request& request) {
  return request.words.size() == 2 && request.words[0] == "events" && request.words[1] == "follow";
}

}  // namespace

ControlServer::ControlServer(EventLoop& loop, const Clock& clock, std::string socket_path,
                             std::string group_name, Handler handler)
    : loop_(loop),
      clock_(clock),
      socket_path_(std::move(socket_path)),
      group_name_(std::move(group_name)),
      handler_(std::move(handler)),
      logger_(GetLogger("control")) {}

ControlServer::~ControlServer() { Close(); }

Status ControlServer::Listen() {
  if (listen_fd_ >= 0) {
    return Status::Error("control socket " + socket_path_ + ": already listening");
  }
  sockaddr_un addr{};
  if (!FillAddress(socket_path_, addr)) {
    return Status::Error("control socket '" + socket_path_ + "': path empty or longer than " +
                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  auto gid = LookupGroupId(group_name_);
  if (!gid.ok()) return gid.status();
  control_gid_ = *gid;

  if (Status s = PrepareDirectory(); !s.ok()) return s;
  if (Status s = RemoveStaleSocket(); !s.ok()) return s;

  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("control socket: socket"));
  auto fail = [&](const std::string& message) {
    close(fd);
    if (bound_) unlink(socket_path_.c_str());
    bound_ = false;
    return Status::Error("control socket " + socket_path_ + ": " + message);
  };
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return fail(Errno("bind"));
  }
  bound_ = true;
  // Nobody can connect before listen(), so setting mode and group between bind
  // and listen leaves no window in which the umask's mode applies. The owner is
  // whoever bound it, i.e. root for the daemon, so only the group is changed.
  if (chmod(socket_path_.c_str(), 0660) != 0) return fail(Errno("chmod 0660"));
  if (chown(socket_path_.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
    return fail(Errno("chown to group " + group_name_));
  }
  if (listen(fd, kListenBacklog) != 0) return fail(Errno("listen"));
  if (Status s = loop_.AddFd(fd, [this] { AcceptClients(); }); !s.ok()) {
    return fail("event loop: " + s.message());
  }
  listen_fd_ = fd;
  logger_->info("listening on {} (group {})", socket_path_, group_name_);
  return Status::Ok();
}

Status ControlServer::PrepareDirectory() const {
  const std::filesystem::path dir = std::filesystem::path(socket_path_).parent_path();
  if (dir.empty()) return Status::Ok();
  // Collect the missing ancestors, then create them top-down with an explicit
  // chmod so the umask cannot narrow the 0755.
  std::vector<std::filesystem::path> missing;
  for (auto p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return Status::Error(p.string() + " exists and is not a directory");
      break;
    }
    if (errno != ENOENT) return Status::Error(Errno("stat " + p.string()));
    missing.push_back(p);
    if (p == p.root_path() || p.parent_path() == p) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::Error(Errno("mkdir " + it->string()));
    }
    if (chmod(it->c_str(), 0755) != 0) return Status::Error(Errno("chmod 0755 " + it->string()));
  }
  return Status::Ok();
}

Status ControlServer::RemoveStaleSocket() const {
  struct stat st {};
  if (lstat(socket_path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::Error(Errno("control socket: lstat " + socket_path_));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::Error("control socket " + socket_path_ +
                         " exists and is not a socket; refusing to remove it");
  }
  // A socket file outlives its server after a crash. If something still
  // answers on it, another failoverd is running: do not steal its socket.
  sockaddr_un addr{};
  FillAddress(socket_path_, addr);
  const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return Status::Error(Errno("control socket: socket"));
  const int rc = connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int connect_errno = errno;
  close(probe);
  if (rc == 0 || connect_errno == EAGAIN) {
    return Status::Error("control socket " + socket_path_ +
                         " is in use by another process (is failoverd already running?)");
  }
  if (unlink(socket_path_.c_str()) != 0 && errno != ENOENT) {
    return Status::Error(Errno("control socket: unlink stale " + socket_path_));
  }
  logger_->debug("removed stale socket {}", socket_path_);
  return Status::Ok();
}

void ControlServer::AcceptClients() {
  for (int i = 0; i < kAcceptBurst && listen_fd_ >= 0; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      AcceptOne(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    logger_->warn("accept on {}: {}; pausing for {} ms", socket_path_, std::strerror(errno),
                  kAcceptRetry.count());
    // EMFILE and friends leave the socket readable; take it out of the loop
    // for a while instead of spinning.
    const int paused_fd = listen_fd_;
    loop_.RemoveFd(paused_fd);
    accept_retry_timer_ = loop_.AddTimer(clock_.Now() + kAcceptRetry, [this, paused_fd] {
      accept_retry_timer_ = 0;
      if (listen_fd_ != paused_fd) return;
      if (Status s = loop_.AddFd(paused_fd, [this] { AcceptClients(); }); !s.ok()) {
        logger_->error("cannot resume accepting on {}: {}", socket_path_, s.message());
      }
    });
    return;
  }
}

void ControlServer::AcceptOne(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    logger_->warn("SO_PEERCRED: {}; dropping client", std::strerror(errno));
    close(fd);
    return;
  }
  if (clients_.size() >= kMaxClients + (cred.uid == 0 ? kRootReserve : 0)) {
    logger_->warn("refusing pid {} uid {}: already {} clients connected", cred.pid, cred.uid, clients_.size());
    SendNow(fd, FormatError("busy: too many control clients (" + std::to_string(clients_.size()) +
                            " connected); try again"));
    close(fd);
    return;
  }
  if (Status s = loop_.AddFd(fd, [this, fd] { OnClientReadable(fd); }); !s.ok()) {
    logger_->warn("cannot watch client: {}", s.message());
    close(fd);
    return;
  }
  Client& client = clients_[fd];
  client.fd = fd;
  client.serial = next_serial_++;
  client.peer = PeerCred{cred.pid, cred.uid, cred.gid};
  const uint64_t serial = client.serial;
  client.deadline_timer = loop_.AddTimer(clock_.Now() + request_timeout_,
                                         [this, fd, serial] { OnRequestDeadline(fd, serial); });
  logger_->debug("pid {} uid {}: connected", cred.pid, cred.uid);
}

void ControlServer::OnRequestDeadline(int fd, uint64_t serial) {
  auto it = clients_.find(fd);
  if (it == clients_.end() || it->second.serial != serial) return;
  it->second.deadline_timer = 0;  // this timer has fired; nothing to cancel
  logger_->info("pid {}: no complete request within {} ms; dropping", it->second.peer.pid,
                request_timeout_.count());
  SendNow(fd, FormatError("timed out waiting for the request line"));
  DropClient(fd);
}

void ControlServer::OnClientReadable(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& client = it->second;
  char chunk[kReadChunk];
  const ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    logger_->debug("pid {}: recv: {}", client.peer.pid, std::strerror(errno));
    DropClient(fd);
    return;
  }
  if (n == 0) {  // the client hung up; this is also how a follower leaves
    logger_->debug("pid {}: disconnected", client.peer.pid);
    DropClient(fd);
    return;
  }
  if (client.following || client.answered) return;  // one request per connection; a follower has nothing more to say
  client.buffer.append(chunk, static_cast<size_t>(n));
  const size_t newline = client.buffer.find('\n');
  const bool too_long = newline == std::string::npos ? client.buffer.size() >= kMaxRequestBytes
                                                     : newline + 1 > kMaxRequestBytes;
  if (too_long) {
    logger_->info("pid {}: request longer than {} bytes; dropping", client.peer.pid,
                  kMaxRequestBytes);
    SendNow(fd, FormatError("request longer than " + std::to_string(kMaxRequestBytes) + " bytes"));
    DropClient(fd);
    return;
  }
  if (newline == std::string::npos) return;
  const std::string line = client.buffer.substr(0, newline);
  client.buffer.clear();
  HandleLine(fd, line);
}

void ControlServer::HandleLine(int fd, const std::string& line) {
  Client& client = clients_.at(fd);
  if (client.deadline_timer != 0) loop_.CancelTimer(client.deadline_timer);
  client.deadline_timer = 0;
  const uint64_t serial = client.serial;
  const PeerCred peer = client.peer;

  auto request = ParseRequest(line);
  if (!request.ok()) {
    logger_->info("pid {} uid {}: bad request: {}", peer.pid, peer.uid, request.message());
    client.answered = true;
    Send(fd, FormatError(request.message()), /*then_close=*/true);
    return;
  }
  logger_->debug("pid {} uid {}: {}", peer.pid, peer.uid, line);
  const Reply reply = CallHandler(*request, peer);

  // The handler may have broadcast events or even closed the server; look the
  // client up again rather than trusting the reference from before.
  auto it = clients_.find(fd);
  if (it == clients_.end() || it->second.serial != serial) return;
  if (reply.ok && IsFollowRequest(*request)) {
    it->second.following = true;
    logger_->info("pid {} uid {}: following events", peer.pid, peer.uid);
    if (reply.result.is_array()) {
      std::string backlog;
      for (const auto& event : reply.result) backlog += FormatEvent(event);
      Send(fd, backlog, /*then_close=*/false);
    }
    return;
  }
  if (!reply.ok) logger_->info("pid {} uid {}: {}: {}", peer.pid, peer.uid, line, reply.error);
  it->second.answered = true;
  Send(fd, FormatReply(reply), /*then_close=*/true);
}

Reply ControlServer::CallHandler(const Request& request, const PeerCred& peer) {
  if (!handler_) return Reply::Error("no command handler");
  try {
    return handler_(request, peer);
  } catch (const std::exception& e) {
    // The control socket is a component boundary: a bug behind it becomes an
    // error reply and a log line, not a dead daemon.
    logger_->error("handler threw on '{}': {}", request.words.empty() ? "" : request.words[0],
                   e.what());
    return Reply::Error(std::string("internal error: ") + e.what());
  }
}

void ControlServer::Send(int fd, const std::string& data, bool then_close) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& client = it->second;
  if (client.out.size() + data.size() > kMaxQueuedBytes) {
    logger_->warn("pid {}: {} bytes wait unread; dropping the client", client.peer.pid, client.out.size() + data.size());
    DropClient(fd);
    return;
  }
  client.out += data;
  client.close_when_sent = client.close_when_sent || then_close;
  Flush(fd);
}

void ControlServer::Flush(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& client = it->second;
  size_t sent = 0;
  while (sent < client.out.size()) {
    const ssize_t n = send(fd, client.out.data() + sent, client.out.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      logger_->debug("pid {}: send: {}", client.peer.pid, std::strerror(errno));
      DropClient(fd);
      return;
    }
    sent += static_cast<size_t>(n);
  }
  client.out.erase(0, sent);
  if (client.out.empty()) {
    (void)loop_.SetWritable(fd, nullptr);
    if (client.send_timer != 0) loop_.CancelTimer(client.send_timer);
    client.send_timer = 0;
    if (client.close_when_sent) DropClient(fd);
    return;
  }
  // The rest goes when the socket takes it; the daemon never waits for it.
  if (Status watching = loop_.SetWritable(fd, [this, fd] { Flush(fd); }); !watching) {
    logger_->warn("pid {}: {}; dropping the client", client.peer.pid, watching.message());
    DropClient(fd);
    return;
  }
  if (!client.following && client.send_timer == 0) {
    const uint64_t serial = client.serial;
    client.send_timer = loop_.AddTimer(clock_.Now() + send_timeout_, [this, fd, serial] {
      auto late = clients_.find(fd);
      if (late == clients_.end() || late->second.serial != serial) return;
      late->second.send_timer = 0;
      logger_->info("pid {}: did not read its reply within {} ms; dropping", late->second.peer.pid,
                    send_timeout_.count());
      DropClient(fd);
    });
  }
}

bool ControlServer::SendNow(int fd, const std::string& data) const {
  const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(data.size());
}

void ControlServer::Broadcast(const nlohmann::json& event) {
  const std::string line = FormatEvent(event);
  std::vector<int> followers;
  for (const auto& [fd, client] : clients_)
    if (client.following) followers.push_back(fd);
  // Never blocks: a follower's events wait in its buffer; one that lets it fill up is
  // dropped (Send), and can reconnect.
  for (int fd : followers) Send(fd, line, /*then_close=*/false);
}

bool ControlServer::CanChangeState(const PeerCred& peer) const {
  if (peer.uid == 0) return true;
  if (control_gid_) return PeerMayChangeState(peer, *control_gid_);
  auto gid = LookupGroupId(group_name_);
  return gid.ok() && PeerMayChangeState(peer, *gid);
}

size_t ControlServer::follower_count() const {
  size_t count = 0;
  for (const auto& entry : clients_) {
    if (entry.second.following) ++count;
  }
  return count;
}

void ControlServer::DropClient(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  if (it->second.deadline_timer != 0) loop_.CancelTimer(it->second.deadline_timer);
  if (it->second.send_timer != 0) loop_.CancelTimer(it->second.send_timer);
  loop_.RemoveFd(fd);
  close(fd);
  clients_.erase(it);
}

void ControlServer::Close() {
  while (!clients_.empty()) DropClient(clients_.begin()->first);
  if (accept_retry_timer_ != 0) loop_.CancelTimer(accept_retry_timer_);
  accept_retry_timer_ = 0;
  if (listen_fd_ >= 0) {
    loop_.RemoveFd(listen_fd_);
    close(listen_fd_);
    listen_fd_ = -1;
    logger_->info("closed {}", socket_path_);
  }
  if (bound_) unlink(socket_path_.c_str());
  bound_ = false;
}

}  // namespace failoverd
