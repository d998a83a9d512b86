#include "failoverd/ctl/control_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "failoverd/control/control_protocol.h"

namespace failoverd {
namespace {

// A reply longer than this is not a reply from failoverd.
constexpr size_t kMaxReplyBytes = size_t{64} << 20;
// Bounds a connect() to a daemon whose listen backlog is full.
constexpr Millis kConnectTimeout{10000};

timeval ToTimeval(Millis duration) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(duration.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000);
  return tv;
}

}  // namespace

ControlClient::ControlClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

ControlClient::~ControlClient() {
  if (fd_ >= 0) close(fd_);
}

Status ControlClient::Connect(Millis reply_timeout) {
  const std::string prefix = "cannot reach failoverd at " + socket_path_ + ": ";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.empty() || socket_path_.size() >= sizeof(addr.sun_path)) {
    return Status::Error(prefix + std::strerror(ENAMETOOLONG));
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());

  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Error(prefix + std::strerror(errno));
  // On a unix socket SO_SNDTIMEO also bounds a blocking connect().
  const timeval send_timeout = ToTimeval(kConnectTimeout);
  const timeval recv_timeout = ToTimeval(reply_timeout);
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout)) != 0 ||
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof(recv_timeout)) != 0) {
    return Status::Error(prefix + std::strerror(errno));
  }
  while (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    close(fd_);
    fd_ = -1;
    return Status::Error(prefix + std::strerror(saved));
  }
  return Status::Ok();
}

Status ControlClient::Send(const std::vector<std::string>& words) {
  const std::string line = FormatRequest(words);
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error("lost connection to failoverd at " + socket_path_ + ": " +
                           std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ControlClient::ReadLine() {
  while (true) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (buffer_.size() > kMaxReplyBytes) {
      return Status::Error("reply from failoverd at " + socket_path_ + " is too long");
    }
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return std::optional<std::string>();
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Status::Error("failoverd at " + socket_path_ + " did not answer in time");
    }
    // The server closing with our unread bytes queued shows up as ECONNRESET
    // once its reply has been read; before that it is a lost connection.
    return Status::Error("lost connection to failoverd at " + socket_path_ + ": " +
                         std::strerror(errno));
  }
}

}  // namespace failoverd
