// NetlinkRequester: the rtnetlink request socket of the kernel edge. It sends
// one request at a time and reads until the kernel's answer to exactly that
// request (matched by sequence number and port id) has arrived: an ack, an
// error, or the end of a dump. It subscribes to no multicast group, so events
// never interleave with answers; LinkMonitor has its own socket for those.
// Owned by RtnlOps (which lends it to the address, FDB and announce helpers);
// not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "failoverd/common/status.h"

struct mnl_socket;
struct nlmsghdr;

namespace failoverd::kernel {

// One netlink message copied out of the receive buffer (owned, suitably aligned).
using NetlinkMessage = std::vector<uint8_t>;
inline const nlmsghdr* Header(const NetlinkMessage& message) {
  return reinterpret_cast<const nlmsghdr*>(message.data());
}

// Whether a whole message starts at `nlh` within the `remaining` bytes of a
// received datagram: what the readers check before they parse or copy one.
// mnl_nlmsg_ok alone is not enough: it compares (int)nlmsg_len, so a length of
// 2 GiB or more passes as negative (found by tests/fuzz/netlink_fuzz.cc).
bool NetlinkMessageFits(const nlmsghdr* nlh, int remaining);

// Copies the message at `nlh` (one that fits) out of a receive buffer, padded
// with zeros to MNL_ALIGN(nlmsg_len): libmnl walks attributes up to the aligned
// end, so a copy of just nlmsg_len bytes could be read past (netlink_fuzz found it).
NetlinkMessage CopyNetlinkMessage(const nlmsghdr* nlh);

// The kernel's verdict on one request: 0 or a negative errno, plus the
// extended-ack text the kernel attached to it, if any.
struct NetlinkReply {
  int error = 0;
  std::string extack;
  bool ok() const { return error == 0; }
};

// "what: strerror(-error)" (plus " (extack)" when the kernel said more),
// e.g. "hweth1: set master eth0: Device or resource busy".
Status ReplyStatus(std::string_view what, const NetlinkReply& reply);

// A fixed buffer to build one request in with libmnl.
struct RequestBuffer {
  alignas(8) char data[4096];
};
// Zeroes `buffer` and puts a header of `type` in it; returns the header.
nlmsghdr* StartRequest(RequestBuffer& buffer, uint16_t type, uint16_t flags);

class NetlinkRequester {
 public:
  NetlinkRequester();
  ~NetlinkRequester();
  NetlinkRequester(const NetlinkRequester&) = delete;
  NetlinkRequester& operator=(const NetlinkRequester&) = delete;

  Status Open();
  bool is_open() const { return socket_ != nullptr; }

  // Sends `request` with NLM_F_REQUEST|NLM_F_ACK added and a fresh sequence
  // number, and waits for its ack. Data messages the kernel answers with before
  // the ack (the link of an RTM_GETLINK) are appended to `replies` if given.
  NetlinkReply Request(nlmsghdr* request, std::vector<NetlinkMessage>* replies = nullptr);
  NetlinkReply Request(const NetlinkMessage& request,
                       std::vector<NetlinkMessage>* replies = nullptr);

  // Sends `request` as a dump (NLM_F_REQUEST|NLM_F_DUMP added) and collects
  // every message up to NLMSG_DONE into `messages` (replacing its contents).
  NetlinkReply Dump(nlmsghdr* request, std::vector<NetlinkMessage>* messages);
  // The same with NETLINK_GET_STRICT_CHK on for this one dump, so that the kernel
  // applies the filters in the request's header (an address dump's ifa_index) and
  // sends only what matches. A kernel without strict checking (before 4.20) sends
  // everything, as for Dump: the caller filters too.
  NetlinkReply FilteredDump(nlmsghdr* request, std::vector<NetlinkMessage>* messages);

 private:
  NetlinkReply Exchange(nlmsghdr* request, bool dump, std::vector<NetlinkMessage>* out,
                        bool* interrupted);

  mnl_socket* socket_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t next_seq_ = 1;
  std::vector<uint8_t> buffer_;
};

}  // namespace failoverd::kernel
