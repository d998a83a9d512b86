#include "failoverd/kernel/cable_probe.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <utility>

#include "failoverd/common/background_close.h"
#include "failoverd/frames/arp_frames.h"
#include "failoverd/frames/ethernet.h"
#include "failoverd/frames/ipv6_nd_frames.h"
#include "failoverd/kernel/kernel_log.h"

namespace failoverd::kernel {

namespace {

// Big enough for a 9000-byte jumbo frame; a longer one is counted as malformed.
constexpr size_t kBufferSize = 16384;

// The classic BPF program of the socket filter. It runs on the frame as the
// packet socket sees it: the kernel has already moved an 802.1Q tag into the
// packet's metadata on receive (so a tagged LLDP/ARP frame looks untagged here);
// the explicit 0x8100 branch covers a tag that stayed in the bytes. A load past
// the end of a short frame ends the program with "drop".
//
//   0  ldh [12]                 ethertype
//   1  jeq #0x88cc  -> 11       LLDP
//   2  jeq #0x0806  -> 11       ARP
//   3  jeq #0x8100  -> 5        802.1Q tag in the bytes
//   4  jeq #0x86dd  -> 7, else 12
//   5  ldh [16]                 ethertype behind the tag
//   6  jeq #0x88cc  -> 11, else 12
//   7  ldb [20]                 IPv6 next header
//   8  jeq #58      -> 9, else 12
//   9  ldb [54]                 ICMPv6 type (right after the 40-byte IPv6 header)
//  10  jeq #134     -> 11, else 12
//  11  ret #262144              accept (whole frame)
//  12  ret #0                   drop
// Jump offsets count from the instruction after the jump.
constexpr sock_filter kFilter[] = {
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, frames::kEtherTypeLldp, 9, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, frames::kEtherTypeArp, 8, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, frames::kEtherTypeVlan, 1, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, frames::kEtherTypeIpv6, 2, 7),
    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, frames::kEtherTypeLldp, 4, 5),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 134, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 262144),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

// "what: <strerror(err)>". Callers read errno into `err` first thing, before
// building any string can disturb it.
std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace

CableProbe::CableProbe(int ifindex, std::string name, MacAddress mac)
    : ifindex_(ifindex), name_(std::move(name)), buffer_(kBufferSize) {
  context_.our_mac = mac;
}

CableProbe::~CableProbe() {
  // A packet socket's close waits for an RCU grace period: not on the event loop.
  CloseInBackground(fd_);
}

Status CableProbe::Open() {
  if (fd_ >= 0) return Status::Error(name_ + ": cable probe already open");
  // Protocol 0 receives nothing: the socket stays silent until the filter is
  // in place and bind() names the protocol, so no unfiltered frame is queued.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;
    return Status::Error(name_ + ": " + Errno("packet socket", err));
  }
  auto fail = [&](const char* what) {
    const int err = errno;
    CloseInBackground(fd);
    return Status::Error(name_ + ": " + Errno(what, err));
  };

  sock_fprog program{};
  program.len = static_cast<unsigned short>(std::size(kFilter));
  program.filter = const_cast<sock_filter*>(kFilter);  // the kernel copies it
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0)
    return fail("attach socket filter");
  // The VLAN tag the kernel took off a received frame comes back as metadata.
  const int on = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) < 0) return fail("PACKET_AUXDATA");

  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = ifindex_;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    return fail("bind packet socket");

  // A physical NIC drops multicast it was not told to accept; joining the
  // groups adds them to its hardware filter for as long as the socket lives.
  // (A bridge port is promiscuous anyway; a veth has no filter.)
  for (const MacAddress& group : {frames::kLldpNearestBridgeMac, frames::kIpv6AllNodesMac}) {
    packet_mreq membership{};
    membership.mr_ifindex = ifindex_;
    membership.mr_type = PACKET_MR_MULTICAST;
    membership.mr_alen = 6;
    std::memcpy(membership.mr_address, group.bytes.data(), 6);
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) < 0)
      return fail("join multicast group");
  }
  fd_ = fd;
  ComponentLogger(kProbeLogger)->debug("{}: cable probe open (ifindex {})", name_, ifindex_);
  return Status::Ok();
}

Status CableProbe::Send(const std::vector<uint8_t>& frame, const std::string& what) {
  if (fd_ < 0) return Status::Error(name_ + ": " + what + ": cable probe not open");
  const ssize_t sent = send(fd_, frame.data(), frame.size(), 0);
  if (sent < 0) {
    const int err = errno;
    return Status::Error(name_ + ": " + Errno(what, err));
  }
  if (static_cast<size_t>(sent) != frame.size())
    return Status::Error(name_ + ": " + what + ": short send");
  return Status::Ok();
}

Status CableProbe::SendArpProbe(const IpAddress& target) {
  if (target.family != IpFamily::kV4)
    return Status::Error(name_ + ": ARP probe for " + target.ToString() + ": not IPv4");
  context_.arp_targets.insert(target);
  Status status =
      Send(frames::BuildArpProbe(context_.our_mac, target), "ARP probe for " + target.ToString());
  if (status.ok())
    ComponentLogger(kProbeLogger)->debug("{}: sent ARP probe for {}", name_, target.ToString());
  return status;
}

Status CableProbe::SendRouterSolicitation() {
  Status status = Send(frames::BuildRouterSolicitation(context_.our_mac), "router solicitation");
  if (status.ok()) ComponentLogger(kProbeLogger)->debug("{}: sent router solicitation", name_);
  return status;
}

std::vector<core::CableObservation> CableProbe::Read() {
  std::vector<core::CableObservation> observations;
  if (fd_ < 0) return observations;
  auto log = ComponentLogger(kProbeLogger);
  for (int i = 0; i < kMaxFramesPerRead; ++i) {
    sockaddr_ll from{};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    // MSG_TRUNC: the return value is the frame's real length even if it did not fit.
    const ssize_t length = recvmsg(fd_, &message, MSG_TRUNC);
    if (length < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      // ENETDOWN when the NIC went down: reported once, the socket stays usable.
      if (err != EAGAIN && err != EWOULDBLOCK) log->debug("{}: {}", name_, Errno("receive", err));
      break;
    }
    // What the NIC sends (our probes, the bridge's own ARP when it is a port)
    // passes the socket too.
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    if (static_cast<size_t>(length) > buffer_.size()) {
      CountMalformed("longer than " + std::to_string(buffer_.size()) + " bytes",
                     static_cast<size_t>(length));
      continue;
    }
    bool vlan_tagged = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      if (c->cmsg_len < CMSG_LEN(sizeof(tpacket_auxdata))) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      // VLAN id 0 is a priority tag: the frame belongs to the untagged network.
      vlan_tagged = (aux.tp_status & TP_STATUS_VLAN_VALID) && (aux.tp_vlan_tci & 0x0fff) != 0;
    }
    const auto frame = std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(length));
    frames::SortedFrame sorted = frames::SortCableFrame(frame, vlan_tagged, context_);
    switch (sorted.kind) {
      case frames::SortedFrame::Kind::kObservation:
        observations.push_back(std::move(sorted.observation));
        break;
      case frames::SortedFrame::Kind::kIgnored:
        log->trace("{}: ignored frame ({} bytes): {}", name_, frame.size(), sorted.reason);
        break;
      case frames::SortedFrame::Kind::kMalformed:
        CountMalformed(sorted.reason, frame.size());
        break;
    }
  }
  return observations;
}

void CableProbe::CountMalformed(const std::string& reason, size_t length) {
  ++malformed_;
  ++malformed_unreported_;
  auto log = ComponentLogger(kProbeLogger);
  log->debug("{}: malformed frame ({} bytes): {}", name_, length, reason);
  const auto now = std::chrono::steady_clock::now();
  if (malformed_reported_at_ && now - *malformed_reported_at_ < std::chrono::seconds(1)) return;
  log->info("{}: dropped {} malformed frame(s) since the last report ({} in all), the last: {}",
            name_, malformed_unreported_, malformed_, reason);
  malformed_unreported_ = 0;
  malformed_reported_at_ = now;
}

}  // namespace failoverd::kernel
