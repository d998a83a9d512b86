#include "failoverd/kernel/nft_monitor.h"

#include <libmnl/libmnl.h>
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

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

namespace {

int ReadGenPid(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_PID && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
    *static_cast<std::optional<uint32_t>*>(data) = ntohl(mnl_attr_get_u32(attr));
  return MNL_CB_OK;
}

// Whether a batch of notifications holds a commit by another process: the kernel
// ends each commit with NFT_MSG_NEWGEN carrying the committer's pid
// (NFTA_GEN_PROC_PID, the thread's id: failoverd commits from its main thread).
bool HasForeignCommit(const char* data, size_t length) {
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  int remaining = static_cast<int>(length);
  const uint32_t own = static_cast<uint32_t>(getpid());
  for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN)) continue;
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nfgenmsg))) return true;  // unreadable: assume the worst
    std::optional<uint32_t> pid;
    if (mnl_attr_parse(nlh, sizeof(nfgenmsg), ReadGenPid, &pid) < 0) return true;
    if (!pid || *pid != own) return true;
  }
  return false;
}

}  // namespace

NftMonitor::Drained NftMonitor::Drain() {
  Drained drained;
  while (true) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (n > 0) {
      drained.any = true;
      drained.foreign = drained.foreign || HasForeignCommit(buffer_.data(), static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOBUFS) {
      drained.any = true;  // notifications were lost: anything may have changed
      drained.foreign = true;
      continue;
    }
    return drained;  // EAGAIN: drained
  }
}

}  // namespace failoverd::kernel
