#include "link_watch.h"

#include <linux/if_bridge.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace failoverd::bench {
namespace {

// IFF_LOWER_UP lives in <linux/if.h>, which clashes with <net/if.h> (if_nametoindex).
constexpr unsigned kLowerUp = 1u << 16;
constexpr size_t kBufferSize = 64 * 1024;
constexpr int kReceiveBuffer = 8 * 1024 * 1024;  // our own view must not overflow in a storm

// Parses the link messages of one datagram into notes stamped `at`; stops at NLMSG_DONE.
// Returns false once the dump is done (or an error ends it).
bool ParseDatagram(const char* data, ssize_t length, BenchClock::time_point at, std::vector<LinkNote>* out) {
  int remaining = static_cast<int>(length);
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(nlh, remaining);
       nlh = NLMSG_NEXT(nlh, remaining)) {
    if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) return false;
    if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) continue;
    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(nlh));
    LinkNote note;
    note.at = at;
    note.deleted = nlh->nlmsg_type == RTM_DELLINK;
    note.bridge_family = ifi->ifi_family == AF_BRIDGE;
    note.ifindex = ifi->ifi_index;
    note.carrier = (ifi->ifi_flags & kLowerUp) != 0;
    int attr_length = static_cast<int>(IFLA_PAYLOAD(nlh));
    for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, attr_length); rta = RTA_NEXT(rta, attr_length)) {
      const int type = rta->rta_type & NLA_TYPE_MASK;
      if (type == IFLA_MASTER && RTA_PAYLOAD(rta) >= sizeof(uint32_t)) {
        uint32_t master;
        std::memcpy(&master, RTA_DATA(rta), sizeof master);
        note.master = static_cast<int>(master);
      } else if (type == IFLA_PROTINFO && note.bridge_family) {
        int nested_length = static_cast<int>(RTA_PAYLOAD(rta));
        for (auto* inner = static_cast<const rtattr*>(RTA_DATA(rta)); RTA_OK(inner, nested_length);
             inner = RTA_NEXT(inner, nested_length)) {
          if ((inner->rta_type & NLA_TYPE_MASK) == IFLA_BRPORT_STATE && RTA_PAYLOAD(inner) >= 1)
            note.port_state = *static_cast<const uint8_t*>(RTA_DATA(inner));
        }
      }
    }
    out->push_back(note);
  }
  return true;
}

}  // namespace

bool LinkNote::ForwardingPortOf(int master_ifindex) const {
  return !deleted && bridge_family && master == master_ifindex && port_state == BR_STATE_FORWARDING;
}

LinkWatch::~LinkWatch() {
  if (reader_.joinable()) {
    const uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) != sizeof one) std::abort();  // the reader would never end
    reader_.join();
  }
  if (fd_ >= 0) close(fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

Status LinkWatch::Open() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (fd_ < 0 || stop_fd_ < 0) return Status::Error(std::string("link watch: socket: ") + std::strerror(errno));
  const int size = kReceiveBuffer;
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);  // root only; the default if refused
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return Status::Error(std::string("link watch: bind RTNLGRP_LINK: ") + std::strerror(errno));
  reader_ = std::thread([this] { ReadLoop(); });
  return Status::Ok();
}

void LinkWatch::ReadLoop() {
  std::vector<char> buffer(kBufferSize);
  std::vector<LinkNote> parsed;
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    for (;;) {
      const ssize_t got = recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      const auto at = BenchClock::now();
      if (got < 0) {
        if (errno == ENOBUFS) {
          std::lock_guard lock(mutex_);
          ++overflows_;
          continue;
        }
        break;  // EAGAIN: drained
      }
      parsed.clear();
      ParseDatagram(buffer.data(), got, at, &parsed);
      std::lock_guard lock(mutex_);
      received_ += static_cast<long>(parsed.size());
      notes_.insert(notes_.end(), parsed.begin(), parsed.end());
      // A storm while nobody waits must not grow this without bound.
      while (notes_.size() > 100000) notes_.pop_front();
    }
    arrived_.notify_all();
  }
}

void LinkWatch::Clear() {
  std::lock_guard lock(mutex_);
  notes_.clear();
}

std::optional<LinkNote> LinkWatch::WaitFor(const std::function<bool(const LinkNote&)>& match,
                                           BenchClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!notes_.empty()) {
      LinkNote note = notes_.front();
      notes_.pop_front();
      if (match(note)) return note;
    }
    if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout && notes_.empty()) return std::nullopt;
  }
}

int LinkWatch::overflows() const {
  std::lock_guard lock(mutex_);
  return overflows_;
}

long LinkWatch::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

Result<std::vector<LinkNote>> LinkWatch::DumpBridgePorts() {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return Status::Error(std::string("bridge dump: socket: ") + std::strerror(errno));
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_BRIDGE;
  std::vector<LinkNote> ports;
  if (send(fd, &request, sizeof request, 0) < 0) {
    close(fd);
    return Status::Error(std::string("bridge dump: send: ") + std::strerror(errno));
  }
  std::vector<char> buffer(kBufferSize);
  for (;;) {
    const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
    if (got <= 0) {
      close(fd);
      return Status::Error(std::string("bridge dump: recv: ") + std::strerror(errno));
    }
    if (!ParseDatagram(buffer.data(), got, BenchClock::now(), &ports)) break;
  }
  close(fd);
  return ports;
}

int LinkWatch::IfIndex(const std::string& name) { return static_cast<int>(if_nametoindex(name.c_str())); }

}  // namespace failoverd::bench
