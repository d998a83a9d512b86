#include "failoverd/kernel/address_dump.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

namespace {

using AttributeTable = std::array<const nlattr*, IFA_MAX + 1>;

int CollectAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<AttributeTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

}  // namespace

bool KernelAddress::tentative() const { return (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) != 0; }

std::optional<KernelAddress> ParseAddressMessage(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWADDR) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
  AttributeTable attrs{};
  if (mnl_attr_parse(nlh, sizeof(ifaddrmsg), CollectAttribute, &attrs) < 0) return std::nullopt;

  KernelAddress address;
  address.ifindex = static_cast<int>(ifa->ifa_index);
  address.scope = ifa->ifa_scope;
  address.flags = ifa->ifa_flags;
  if (attrs[IFA_FLAGS] && mnl_attr_get_payload_len(attrs[IFA_FLAGS]) >= sizeof(uint32_t))
    address.flags = mnl_attr_get_u32(attrs[IFA_FLAGS]);  // the u8 field cannot hold them all
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
  // point-to-point links. IPv6 sends only IFA_ADDRESS unless there is a peer.
  const nlattr* local = attrs[IFA_LOCAL] ? attrs[IFA_LOCAL] : attrs[IFA_ADDRESS];
  if (!local) return std::nullopt;
  IpAddress ip;
  ip.family = ifa->ifa_family == AF_INET ? IpFamily::kV4 : IpFamily::kV6;
  if (mnl_attr_get_payload_len(local) != ip.size()) return std::nullopt;
  std::memcpy(ip.bytes.data(), mnl_attr_get_payload(local), ip.size());
  address.prefix = IpPrefix{ip, ifa->ifa_prefixlen};
  return address;
}

Result<std::vector<KernelAddress>> DumpAddresses(NetlinkRequester& rtnl, int ifindex) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETADDR, 0);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  // One interface's: with strict checking the kernel sends only its addresses (a
  // start that prepares N NICs would otherwise read every address of the host N
  // times); the filter below keeps kernels without it right.
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  std::vector<NetlinkMessage> messages;
  const NetlinkReply reply = ifindex ? rtnl.FilteredDump(nlh, &messages) : rtnl.Dump(nlh, &messages);
  if (!reply.ok()) return ReplyStatus("dump addresses", reply);
  std::vector<KernelAddress> addresses;
  for (const NetlinkMessage& message : messages) {
    auto address = ParseAddressMessage(Header(message));
    if (address && (ifindex == 0 || address->ifindex == ifindex)) addresses.push_back(*address);
  }
  return addresses;
}

}  // namespace failoverd::kernel
