#include "failoverd/kernel/conntrack_table.h"

#include <libmnl/libmnl.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReceiveBufferSize = 64 * 1024;

uint16_t CtType(uint8_t message) { return static_cast<uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | message); }

// Collects the attributes of one level into `table` (indexed by type, up to `max`).
struct AttrTable {
  const nlattr** slots;
  uint16_t max;
};
int CollectAttr(const nlattr* attr, void* data) {
  auto* table = static_cast<AttrTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type <= table->max) table->slots[type] = attr;
  return MNL_CB_OK;
}

bool ParseNested(const nlattr* nest, const nlattr** slots, uint16_t max) {
  AttrTable table{slots, max};
  return mnl_attr_parse_nested(nest, CollectAttr, &table) >= 0;
}

std::optional<IpAddress> ReadAddress(const nlattr* attr, IpFamily family) {
  const size_t size = family == IpFamily::kV4 ? 4 : 16;
  if (!attr || mnl_attr_get_payload_len(attr) != size) return std::nullopt;
  IpAddress address;
  address.family = family;
  std::memcpy(address.bytes.data(), mnl_attr_get_payload(attr), size);
  return address;
}

// The socket of one sweep: its answers are read against `deadline`.
class CtSocket {
 public:
  CtSocket() = default;
  ~CtSocket() {
    if (socket_) mnl_socket_close(socket_);
  }
  CtSocket(const CtSocket&) = delete;
  CtSocket& operator=(const CtSocket&) = delete;

  Status Open() {
    socket_ = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!socket_) return Status::Error(std::string("ctnetlink socket: ") + strerror(errno));
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0)
      return Status::Error(std::string("ctnetlink bind: ") + strerror(errno));
    portid_ = mnl_socket_get_portid(socket_);
    buffer_.resize(kReceiveBufferSize);
    return Status::Ok();
  }

  nlmsghdr* Start(char* buffer, uint8_t message, uint16_t flags, uint8_t family) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buffer);
    nlh->nlmsg_type = CtType(message);
    nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    nlh->nlmsg_seq = ++seq_;
    auto* header = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    header->nfgen_family = family;
    header->version = NFNETLINK_V0;
    header->res_id = 0;
    return nlh;
  }

  Status Send(const nlmsghdr* nlh) {
    if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0)
      return Status::Error(std::string("ctnetlink send: ") + strerror(errno));
    return Status::Ok();
  }

  // Reads the answer to the last request sent, handing each data message to `each`,
  // until its ack, error or the end of its dump. Returns the kernel's errno (0 for
  // success); ETIMEDOUT when `deadline` passed first.
  template <typename Each>
  int Receive(SteadyClock::time_point deadline, Each&& each) {
    const uint32_t seq = seq_;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return ETIMEDOUT;
      pollfd fd{mnl_socket_get_fd(socket_), POLLIN, 0};
      const int ready = poll(&fd, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return errno;
      if (ready == 0) return ETIMEDOUT;
      const ssize_t n = mnl_socket_recvfrom(socket_, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      int remaining = static_cast<int>(n);
      for (const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer_.data()); NetlinkMessageFits(nlh, remaining);
           nlh = mnl_nlmsg_next(nlh, &remaining)) {
        if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid_) continue;  // an earlier request's
        if (nlh->nlmsg_type == NLMSG_DONE) return 0;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
          if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) return EBADMSG;
          return -static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh))->error;
        }
        if (!each(nlh)) return 0;  // enough: the caller stops (closing the socket ends a dump)
      }
    }
  }

 private:
  mnl_socket* socket_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
  std::vector<char> buffer_;
};

}  // namespace

std::optional<DumpedConntrack> ParseConntrackMessage(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != CtType(IPCTNL_MSG_CT_NEW) || mnl_nlmsg_get_payload_len(nlh) < sizeof(nfgenmsg))
    return std::nullopt;
  DumpedConntrack dumped;
  dumped.family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh))->nfgen_family;
  if (dumped.family != AF_INET && dumped.family != AF_INET6) return std::nullopt;
  const IpFamily family = dumped.family == AF_INET ? IpFamily::kV4 : IpFamily::kV6;

  const nlattr* top[CTA_MAX + 1] = {};
  AttrTable table{top, CTA_MAX};
  if (mnl_attr_parse(nlh, sizeof(nfgenmsg), CollectAttr, &table) < 0) return std::nullopt;
  const nlattr* orig = top[CTA_TUPLE_ORIG];
  if (!orig) return std::nullopt;
  const nlattr* tuple[CTA_TUPLE_MAX + 1] = {};
  const nlattr* ip[CTA_IP_MAX + 1] = {};
  const nlattr* proto[CTA_PROTO_MAX + 1] = {};
  if (!ParseNested(orig, tuple, CTA_TUPLE_MAX) || !tuple[CTA_TUPLE_IP] || !tuple[CTA_TUPLE_PROTO]) return std::nullopt;
  if (!ParseNested(tuple[CTA_TUPLE_IP], ip, CTA_IP_MAX) || !ParseNested(tuple[CTA_TUPLE_PROTO], proto, CTA_PROTO_MAX))
    return std::nullopt;
  auto source = ReadAddress(ip[family == IpFamily::kV4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], family);
  auto destination = ReadAddress(ip[family == IpFamily::kV4 ? CTA_IP_V4_DST : CTA_IP_V6_DST], family);
  if (!source || !destination) return std::nullopt;
  if (!proto[CTA_PROTO_NUM] || mnl_attr_validate(proto[CTA_PROTO_NUM], MNL_TYPE_U8) < 0) return std::nullopt;
  dumped.entry.protocol = mnl_attr_get_u8(proto[CTA_PROTO_NUM]);
  dumped.entry.source = *source;
  dumped.entry.destination = *destination;
  if (top[CTA_MARK] && mnl_attr_validate(top[CTA_MARK], MNL_TYPE_U32) >= 0)
    dumped.entry.mark = ntohl(mnl_attr_get_u32(top[CTA_MARK]));
  if (top[CTA_ID] && mnl_attr_validate(top[CTA_ID], MNL_TYPE_U32) >= 0) dumped.id = mnl_attr_get_u32(top[CTA_ID]);
  if (top[CTA_ZONE] && mnl_attr_validate(top[CTA_ZONE], MNL_TYPE_U16) >= 0) dumped.zone = mnl_attr_get_u16(top[CTA_ZONE]);
  const auto* bytes = reinterpret_cast<const uint8_t*>(orig);
  dumped.tuple.assign(bytes, bytes + orig->nla_len);
  return dumped;
}

bool ConntrackTable::TcpResumes() const {
  std::ifstream file(proc_sys_root_ + "/net/netfilter/nf_conntrack_tcp_loose");
  int loose = 0;
  return file >> loose && loose != 0;
}

Result<core::SweepReport> ConntrackTable::Sweep(const core::SweepScope& scope) {
  const auto deadline = SteadyClock::now() + limits_.budget;
  const bool tcp_resumes = TcpResumes();
  core::SweepReport report;
  CtSocket socket;
  if (Status opened = socket.Open(); !opened) return opened;

  std::vector<DumpedConntrack> doomed;
  for (const uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    alignas(8) char request[256] = {};
    nlmsghdr* nlh = socket.Start(request, IPCTNL_MSG_CT_GET, NLM_F_DUMP, family);
    // Only the entries without the bit: (mark & bit) == 0.
    mnl_attr_put_u32(nlh, CTA_MARK, htonl(0));
    mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(scope.accepted_mark));
    if (Status sent = socket.Send(nlh); !sent) return sent;
    const int error = socket.Receive(deadline, [&](const nlmsghdr* message) {
      auto dumped = ParseConntrackMessage(message);
      if (!dumped) return true;
      if (++report.examined > limits_.max_entries) {
        --report.examined;
        report.truncated = true;
        report.note = "stopped after " + std::to_string(limits_.max_entries) + " unmarked entries";
        return false;
      }
      if (core::CountUnlessSwept(core::JudgeEntry(dumped->entry, scope, tcp_resumes), report))
        doomed.push_back(std::move(*dumped));
      return true;
    });
    if (error == ETIMEDOUT) {
      report.truncated = true;
      report.note = "stopped at the time limit of " + std::to_string(limits_.budget.count()) + " ms while reading";
    } else if (error != 0) {
      return Status::Error(std::string("conntrack dump: ") + strerror(error));
    }
    // A dump left unfinished would answer the next request: stop here (the socket's
    // close ends it).
    if (report.truncated) break;
  }

  for (const DumpedConntrack& entry : doomed) {
    alignas(8) char request[1024] = {};
    if (entry.tuple.size() > 512) continue;  // no real tuple is this big
    nlmsghdr* nlh = socket.Start(request, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, entry.family);
    // The original tuple as the kernel sent it (addresses, ports or ICMP id, tuple
    // zone), then the id: a new connection with the same tuple is not this one.
    std::memcpy(mnl_nlmsg_get_payload_tail(nlh), entry.tuple.data(), entry.tuple.size());
    nlh->nlmsg_len += MNL_ALIGN(static_cast<uint32_t>(entry.tuple.size()));
    if (entry.id) mnl_attr_put_u32(nlh, CTA_ID, *entry.id);
    if (entry.zone) mnl_attr_put_u16(nlh, CTA_ZONE, *entry.zone);
    if (Status sent = socket.Send(nlh); !sent) return sent;
    const int error = socket.Receive(deadline, [](const nlmsghdr*) { return true; });
    if (error == 0) {
      ++report.swept;
    } else if (error == ENOENT) {
      ++report.vanished;
    } else if (error == ETIMEDOUT) {
      report.truncated = true;
      report.note = "stopped at the time limit of " + std::to_string(limits_.budget.count()) + " ms while deleting";
      break;
    } else {
      if (report.failed++ == 0 && report.note.empty()) report.note = std::string("delete: ") + strerror(error);
    }
  }
  return report;
}

}  // namespace failoverd::kernel
