#include "failoverd/kernel/fdb_dump.h"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

namespace {

using AttributeTable = std::array<const nlattr*, NDA_MAX + 1>;

int CollectAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<AttributeTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

}  // namespace

std::optional<FdbEntry> ParseFdbMessage(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWNEIGH) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ndmsg)) return std::nullopt;
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ndm->ndm_family != AF_BRIDGE) return std::nullopt;
  AttributeTable attrs{};
  if (mnl_attr_parse(nlh, sizeof(ndmsg), CollectAttribute, &attrs) < 0) return std::nullopt;
  if (!attrs[NDA_LLADDR] || mnl_attr_get_payload_len(attrs[NDA_LLADDR]) != 6) return std::nullopt;
  FdbEntry entry;
  std::memcpy(entry.mac.bytes.data(), mnl_attr_get_payload(attrs[NDA_LLADDR]), 6);
  entry.port_ifindex = ndm->ndm_ifindex;
  entry.state = ndm->ndm_state;
  entry.flags = ndm->ndm_flags;
  if (attrs[NDA_MASTER] && mnl_attr_get_payload_len(attrs[NDA_MASTER]) >= sizeof(uint32_t))
    entry.master_ifindex = static_cast<int>(mnl_attr_get_u32(attrs[NDA_MASTER]));
  if (attrs[NDA_VLAN] && mnl_attr_get_payload_len(attrs[NDA_VLAN]) >= sizeof(uint16_t))
    entry.vlan = mnl_attr_get_u16(attrs[NDA_VLAN]);
  return entry;
}

Result<std::vector<FdbEntry>> DumpBridgeFdb(NetlinkRequester& rtnl, int bridge_ifindex) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETNEIGH, 0);
  // Kernel quirk: without strict checking, an FDB dump request is recognised by
  // its length. An ifinfomsg followed by IFLA_MASTER (what `bridge fdb show br X`
  // sends) makes the kernel walk only that bridge and its ports; a bare ndmsg
  // would dump every device's address lists.
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_BRIDGE;
  mnl_attr_put_u32(nlh, IFLA_MASTER, static_cast<uint32_t>(bridge_ifindex));
  std::vector<NetlinkMessage> messages;
  const NetlinkReply reply = rtnl.Dump(nlh, &messages);
  if (!reply.ok()) return ReplyStatus("dump forwarding database", reply);
  std::vector<FdbEntry> entries;
  for (const NetlinkMessage& message : messages) {
    auto entry = ParseFdbMessage(Header(message));
    // The ports' own address lists come along without NDA_MASTER: not the bridge's.
    if (entry && entry->master_ifindex == bridge_ifindex) entries.push_back(*entry);
  }
  return entries;
}

std::vector<MacAddress> MacsBehindBridge(const std::vector<FdbEntry>& fdb, int bridge_ifindex,
                                         int port_ifindex) {
  std::vector<MacAddress> macs;
  for (const FdbEntry& entry : fdb) {
    if (entry.master_ifindex != bridge_ifindex) continue;
    if (entry.port_ifindex == port_ifindex || entry.port_ifindex == bridge_ifindex) continue;
    if (entry.state & NUD_PERMANENT) continue;  // a local address of a port, not a guest
    if (entry.mac.IsMulticast() || entry.mac.IsZero()) continue;
    if (std::find(macs.begin(), macs.end(), entry.mac) == macs.end()) macs.push_back(entry.mac);
  }
  return macs;
}

}  // namespace failoverd::kernel
