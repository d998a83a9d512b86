#include "wire_timer.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "lab_netns.h"

namespace failoverd::bench {

namespace {

constexpr uint8_t kRouterSolicitation = 133;
constexpr uint8_t kRouterAdvertisement = 134;

// The ICMPv6 type of an untagged Ethernet + IPv6 + ICMPv6 frame; 0 for anything else.
uint8_t IcmpV6Type(const uint8_t* frame, size_t length) {
  if (length < 55 || frame[12] != 0x86 || frame[13] != 0xdd || frame[20] != 58) return 0;
  return frame[54];
}

}  // namespace

Result<std::unique_ptr<WireTimer>> WireTimer::Open(const std::string& netns, const std::string& ifname) {
  NetnsVisit visit(netns);
  if (!visit.status().ok()) return visit.status();
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return Status::Error(netns + ": " + ifname + ": no such interface");
  // ETH_P_ALL: frames the host sends are handed only to such taps.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return Status::Error(std::string("packet socket: ") + std::strerror(errno));
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  const int on = 1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
    const std::string error = std::strerror(errno);
    close(fd);
    return Status::Error(ifname + ": wire timer: " + error);
  }
  return std::unique_ptr<WireTimer>(new WireTimer(fd));
}

WireTimer::~WireTimer() { close(fd_); }

void WireTimer::Clear() {
  uint8_t frame[2048];
  while (recv(fd_, frame, sizeof frame, 0) >= 0) {
  }
}

std::optional<double> WireTimer::SolicitationToAdvertMs() {
  std::optional<double> solicited_ns;
  for (;;) {
    uint8_t frame[2048];
    sockaddr_ll from{};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    iovec iov{frame, sizeof frame};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t length = recvmsg(fd_, &message, 0);
    if (length < 0) return std::nullopt;  // drained (EAGAIN) without a full exchange
    std::optional<double> at_ns;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      at_ns = static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
    }
    if (!at_ns) continue;
    const uint8_t type = IcmpV6Type(frame, static_cast<size_t>(length));
    const bool outgoing = from.sll_pkttype == PACKET_OUTGOING;
    if (type == kRouterSolicitation && outgoing && !solicited_ns) solicited_ns = at_ns;
    if (type == kRouterAdvertisement && !outgoing && solicited_ns) return (*at_ns - *solicited_ns) / 1e6;
  }
}

}  // namespace failoverd::bench
