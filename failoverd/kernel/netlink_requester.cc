#include "failoverd/kernel/netlink_requester.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace failoverd::kernel {

namespace {

// Big enough for any single datagram the kernel sends: it sizes dump batches
// by the largest buffer the reader has used, capped at 32 KiB.
constexpr size_t kReceiveBufferSize = 64 * 1024;
// The kernel answers rtnetlink requests synchronously; a reply that takes this
// long means something is badly wrong, and the daemon must not hang on it.
constexpr time_t kReplyTimeoutSeconds = 10;
// A dump the kernel reports as inconsistent (the table changed while it was
// being walked) is repeated this many times before giving up.
constexpr int kDumpAttempts = 5;

int ExtackAttribute(const nlattr* attr, void* data) {
  auto* reply = static_cast<NetlinkReply*>(data);
  if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
      mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
    reply->extack = mnl_attr_get_str(attr);
  }
  return MNL_CB_OK;
}

// NLMSG_ERROR carries the request's verdict (error 0 is the ack). With
// NETLINK_EXT_ACK the kernel appends TLVs (a human-readable message) after the
// echoed request, which NETLINK_CAP_ACK shortens to just its header.
NetlinkReply ParseError(const nlmsghdr* nlh) {
  NetlinkReply reply;
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
    reply.error = -EBADMSG;
    return reply;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  reply.error = err->error;
  if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
    size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    if (offset < mnl_nlmsg_get_payload_len(nlh))
      mnl_attr_parse(nlh, static_cast<unsigned>(offset), ExtackAttribute, &reply);
  }
  return reply;
}

// NLMSG_DONE of a dump carries an int: negative errno if the dump failed part way.
NetlinkReply ParseDone(const nlmsghdr* nlh) {
  NetlinkReply reply;
  if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
    int error = 0;
    std::memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof error);
    reply.error = error;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
      mnl_attr_parse(nlh, sizeof(int), ExtackAttribute, &reply);
  }
  return reply;
}

}  // namespace

bool NetlinkMessageFits(const nlmsghdr* nlh, int remaining) {
  return mnl_nlmsg_ok(nlh, remaining) && nlh->nlmsg_len <= static_cast<uint32_t>(remaining);
}

NetlinkMessage CopyNetlinkMessage(const nlmsghdr* nlh) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(nlh);
  NetlinkMessage message(bytes, bytes + nlh->nlmsg_len);
  message.resize(MNL_ALIGN(nlh->nlmsg_len), 0);
  return message;
}

Status ReplyStatus(std::string_view what, const NetlinkReply& reply) {
  if (reply.ok()) return Status::Ok();
  std::string message(what);
  message += ": ";
  message += std::strerror(-reply.error);
  if (!reply.extack.empty()) message += " (" + reply.extack + ")";
  return Status::Error(std::move(message));
}

nlmsghdr* StartRequest(RequestBuffer& buffer, uint16_t type, uint16_t flags) {
  std::memset(buffer.data, 0, sizeof buffer.data);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  return nlh;
}

NetlinkRequester::NetlinkRequester() : buffer_(kReceiveBufferSize) {}

NetlinkRequester::~NetlinkRequester() {
  if (socket_) mnl_socket_close(socket_);
}

Status NetlinkRequester::Open() {
  if (socket_) return Status::Ok();
  mnl_socket* sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!sock) return Status::Error(std::string("netlink request socket: ") + std::strerror(errno));
  if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(sock);
    return Status::Error(std::string("netlink request socket: bind: ") + std::strerror(err));
  }
  // Best effort: older kernels lack these and simply give plain errors.
  int on = 1;
  mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &on, sizeof on);
  mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &on, sizeof on);
  timeval timeout{kReplyTimeoutSeconds, 0};
  setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  socket_ = sock;
  portid_ = mnl_socket_get_portid(sock);
  // Start sequence numbers somewhere a previous instance's stale answers are unlikely to hit.
  next_seq_ = static_cast<uint32_t>(std::time(nullptr));
  return Status::Ok();
}

NetlinkReply NetlinkRequester::Request(nlmsghdr* request, std::vector<NetlinkMessage>* replies) {
  bool interrupted = false;
  return Exchange(request, /*dump=*/false, replies, &interrupted);
}

NetlinkReply NetlinkRequester::Request(const NetlinkMessage& request,
                                       std::vector<NetlinkMessage>* replies) {
  NetlinkMessage copy = request;  // Exchange stamps flags and sequence into it
  return Request(reinterpret_cast<nlmsghdr*>(copy.data()), replies);
}

NetlinkReply NetlinkRequester::FilteredDump(nlmsghdr* request, std::vector<NetlinkMessage>* messages) {
  if (!socket_) return Dump(request, messages);
  int on = 1;
  const bool strict = mnl_socket_setsockopt(socket_, NETLINK_GET_STRICT_CHK, &on, sizeof on) == 0;
  NetlinkReply reply = Dump(request, messages);
  if (strict) {
    int off = 0;
    mnl_socket_setsockopt(socket_, NETLINK_GET_STRICT_CHK, &off, sizeof off);
  }
  return reply;
}

NetlinkReply NetlinkRequester::Dump(nlmsghdr* request, std::vector<NetlinkMessage>* messages) {
  NetlinkReply reply;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    messages->clear();
    bool interrupted = false;
    reply = Exchange(request, /*dump=*/true, messages, &interrupted);
    if (!reply.ok() || !interrupted) return reply;
  }
  reply.error = -EINTR;
  reply.extack = "dump kept changing under us";
  return reply;
}

NetlinkReply NetlinkRequester::Exchange(nlmsghdr* request, bool dump,
                                        std::vector<NetlinkMessage>* out, bool* interrupted) {
  NetlinkReply reply;
  if (!socket_) {
    reply.error = -ENOTCONN;
    return reply;
  }
  const uint32_t seq = next_seq_++;
  request->nlmsg_seq = seq;
  request->nlmsg_pid = 0;
  request->nlmsg_flags |= NLM_F_REQUEST;
  request->nlmsg_flags |= dump ? NLM_F_DUMP : NLM_F_ACK;
  if (mnl_socket_sendto(socket_, request, request->nlmsg_len) < 0) {
    reply.error = -errno;
    return reply;
  }
  for (;;) {
    const ssize_t received = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
    if (received < 0) {
      if (errno == EINTR) continue;
      reply.error = errno == EAGAIN ? -ETIMEDOUT : -errno;
      return reply;
    }
    int remaining = static_cast<int>(received);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data());
         NetlinkMessageFits(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
      // Answers to an earlier request that timed out arrive late: skip them.
      if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid_) continue;
      if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) *interrupted = true;
      switch (nlh->nlmsg_type) {
        case NLMSG_NOOP:
        case NLMSG_OVERRUN:
          break;
        case NLMSG_ERROR:
          return ParseError(nlh);
        case NLMSG_DONE:
          return ParseDone(nlh);
        default:
          if (out) out->push_back(CopyNetlinkMessage(nlh));
          break;
      }
    }
  }
}

}  // namespace failoverd::kernel
