#include "failoverd/kernel/link_monitor.h"

#include <libmnl/libmnl.h>
#include <libudev.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "failoverd/kernel/device_info.h"
#include "failoverd/kernel/kernel_log.h"
#include "failoverd/kernel/link_parser.h"
#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

namespace {

// A hot-plug storm or a bridge with many ports coming up produces bursts of
// notifications; the default socket buffer (~200 KiB) overflows quickly.
constexpr int kReceiveBufferBytes = 4 * 1024 * 1024;
constexpr size_t kReadBufferSize = 64 * 1024;

}  // namespace

LinkMonitor::LinkMonitor() : buffer_(kReadBufferSize), log_(ComponentLogger(kNetlinkLogger)) {}

LinkMonitor::~LinkMonitor() {
  if (socket_) mnl_socket_close(socket_);
  if (udev_) udev_unref(udev_);
}

int LinkMonitor::fd() const { return socket_ ? mnl_socket_get_fd(socket_) : -1; }

Status LinkMonitor::Open() {
  if (socket_) return Status::Ok();
  mnl_socket* sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (!sock) return Status::Error(std::string("netlink event socket: ") + std::strerror(errno));
  if (mnl_socket_bind(sock, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(sock);
    return Status::Error(std::string("netlink event socket: bind: ") + std::strerror(err));
  }
  // SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN; without it fall back
  // to SO_RCVBUF, which the kernel silently caps at net.core.rmem_max.
  const int fd = mnl_socket_get_fd(sock);
  int size = kReceiveBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) < 0)
      log_->warn("event socket receive buffer: {}", std::strerror(errno));
  }
  socket_ = sock;
  if (!udev_) {
    udev_ = udev_new();
    if (!udev_) log_->warn("udev context: {}; links will have no udev path", std::strerror(errno));
  }
  return Status::Ok();
}

size_t LinkMonitor::Drain(bool* overflow, size_t max_datagrams, std::vector<core::CarrierNote>* carriers) {
  size_t messages = 0;
  if (!socket_) return messages;
  for (size_t datagrams = 0; datagrams < max_datagrams;) {
    const ssize_t received = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        if (overflow) *overflow = true;  // notifications lost; the socket stays usable
        continue;
      }
      log_->error("reading link notifications: {}", std::strerror(errno));
      break;
    }
    ++datagrams;
    int remaining = static_cast<int>(received);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data()); NetlinkMessageFits(nlh, remaining);
         nlh = mnl_nlmsg_next(nlh, &remaining)) {
      if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) continue;
      ++messages;
      if (carriers && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg))) {
        const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
        const bool carrier = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_LOWER_UP) != 0;
        carriers->push_back({ifi->ifi_index, carrier});
      }
    }
  }
  return messages;
}

std::vector<LinkEvent> LinkMonitor::Read(bool* overflow) {
  std::vector<LinkEvent> events;
  if (!socket_) return events;
  for (;;) {
    const ssize_t received = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        // The kernel dropped notifications for us; the socket stays usable.
        log_->warn("link notifications lost (receive buffer overflow); re-dump needed");
        if (overflow) *overflow = true;
        continue;
      }
      log_->error("reading link notifications: {}", std::strerror(errno));
      break;
    }
    int remaining = static_cast<int>(received);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data());
         NetlinkMessageFits(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
      if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) continue;
      auto link = ParseLinkMessage(nlh);
      if (!link) continue;
      LinkEvent event;
      event.link = std::move(*link);
      if (nlh->nlmsg_type == RTM_DELLINK) {
        event.type = LinkEvent::Type::kRemoved;
      } else {
        event.type = LinkEvent::Type::kNewOrChanged;
        // Same facts as a dump gives; sysfs reads are cheap next to a link change.
        EnrichLinkInfo(event.link, udev_);
      }
      log_->debug("{}: link {} (ifindex {}, {}{})", event.link.name,
                  event.type == LinkEvent::Type::kRemoved ? "removed" : "changed",
                  event.link.ifindex, event.link.admin_up ? "up" : "down",
                  event.link.carrier ? ", carrier" : "");
      events.push_back(std::move(event));
    }
  }
  return events;
}

}  // namespace failoverd::kernel
