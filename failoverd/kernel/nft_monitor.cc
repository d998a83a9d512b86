#include "failoverd/kernel/nft_monitor.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace failoverd::kernel {

NftMonitor::~NftMonitor() {
  if (socket_) mnl_socket_close(socket_);
}

Status NftMonitor::Open() {
  socket_ = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (!socket_) return Status::Error(std::string("nfnetlink socket: ") + strerror(errno));
  if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0)
    return Status::Error(std::string("nfnetlink bind: ") + strerror(errno));
  int group = NFNLGRP_NFTABLES;
  if (mnl_socket_setsockopt(socket_, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
    return Status::Error(std::string("nfnetlink join NFNLGRP_NFTABLES: ") + strerror(errno));
  buffer_.resize(MNL_SOCKET_BUFFER_SIZE);
  return Status::Ok();
}

int NftMonitor::fd() const { return socket_ ? mnl_socket_get_fd(socket_) : -1; }

bool NftMonitor::Drain() {
  bool any = false;
  while (true) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (n > 0) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOBUFS) {
      any = true;  // notifications were lost: something changed
      continue;
    }
    return any;  // EAGAIN: drained
  }
}

}  // namespace failoverd::kernel
