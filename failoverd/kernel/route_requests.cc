#include "failoverd/kernel/route_requests.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

namespace failoverd::kernel {

namespace {

struct AddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtnlAddrDeleter {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RouteDeleter {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using AddrPtr = std::unique_ptr<nl_addr, AddrDeleter>;

int AddressFamily(IpFamily family) { return family == IpFamily::kV4 ? AF_INET : AF_INET6; }

AddrPtr ToNlAddr(const IpAddress& ip, int prefix_length) {
  AddrPtr addr(nl_addr_build(AddressFamily(ip.family), ip.bytes.data(), ip.size()));
  if (addr) nl_addr_set_prefixlen(addr.get(), prefix_length);
  return addr;
}

Status LibnlError(const std::string& what, int err) {
  return Status::Error(what + ": " + nl_geterror(err));
}

// Copies a libnl message into an owned buffer for NetlinkRequester.
NetlinkMessage Copy(nl_msg* msg) {
  const nlmsghdr* nlh = nlmsg_hdr(msg);
  const auto* bytes = reinterpret_cast<const uint8_t*>(nlh);
  return NetlinkMessage(bytes, bytes + nlh->nlmsg_len);
}

Result<std::unique_ptr<rtnl_addr, RtnlAddrDeleter>> MakeAddress(int ifindex, const IpAddress& ip,
                                                                int prefix_length) {
  std::unique_ptr<rtnl_addr, RtnlAddrDeleter> addr(rtnl_addr_alloc());
  AddrPtr local = ToNlAddr(ip, prefix_length);
  if (!addr || !local) return Status::Error("out of memory");
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AddressFamily(ip.family));
  if (int err = rtnl_addr_set_local(addr.get(), local.get()); err < 0)
    return LibnlError("address", err);
  rtnl_addr_set_prefixlen(addr.get(), prefix_length);
  return addr;
}

}  // namespace

Result<NetlinkMessage> BuildAddAddressRequest(int ifindex, const IpPrefix& prefix) {
  auto addr = MakeAddress(ifindex, prefix.address, prefix.length);
  if (!addr.ok()) return addr.status();
  nl_msg* raw = nullptr;
  if (int err = rtnl_addr_build_add_request(addr.value().get(), NLM_F_EXCL, &raw); err < 0)
    return LibnlError("build address request", err);
  std::unique_ptr<nl_msg, MsgDeleter> msg(raw);
  return Copy(msg.get());
}

Result<NetlinkMessage> BuildDeleteAddressRequest(const KernelAddress& address) {
  auto addr = MakeAddress(address.ifindex, address.prefix.address, address.prefix.length);
  if (!addr.ok()) return addr.status();
  nl_msg* raw = nullptr;
  if (int err = rtnl_addr_build_delete_request(addr.value().get(), 0, &raw); err < 0)
    return LibnlError("build address request", err);
  std::unique_ptr<nl_msg, MsgDeleter> msg(raw);
  return Copy(msg.get());
}

namespace {

using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;

// The main-table default route via `gateway` out of `ifindex`, as failoverd adds it.
Result<RoutePtr> MakeDefaultRoute(int ifindex, const IpAddress& gateway) {
  RoutePtr route(rtnl_route_alloc());
  // The default destination is an empty address of the family with prefix length 0.
  AddrPtr dst(nl_addr_alloc(0));
  AddrPtr via = ToNlAddr(gateway, gateway.family == IpFamily::kV4 ? 32 : 128);
  rtnl_nexthop* nexthop = rtnl_route_nh_alloc();
  if (!route || !dst || !via || !nexthop) {
    if (nexthop) rtnl_route_nh_free(nexthop);
    return Status::Error("out of memory");
  }
  const int family = AddressFamily(gateway.family);
  nl_addr_set_family(dst.get(), family);
  nl_addr_set_prefixlen(dst.get(), 0);
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(family));
  if (int err = rtnl_route_set_dst(route.get(), dst.get()); err < 0) {
    rtnl_route_nh_free(nexthop);
    return LibnlError("route", err);
  }
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_nh_set_ifindex(nexthop, ifindex);
  rtnl_route_nh_set_gateway(nexthop, via.get());
  rtnl_route_add_nexthop(route.get(), nexthop);  // the route owns it from here
  return route;
}

}  // namespace

Result<NetlinkMessage> BuildAddDefaultRouteRequest(int ifindex, const IpAddress& gateway) {
  auto route = MakeDefaultRoute(ifindex, gateway);
  if (!route.ok()) return route.status();
  nl_msg* raw = nullptr;
  if (int err = rtnl_route_build_add_request(route.value().get(), NLM_F_EXCL, &raw); err < 0)
    return LibnlError("build route request", err);
  std::unique_ptr<nl_msg, MsgDeleter> msg(raw);
  return Copy(msg.get());
}

Result<NetlinkMessage> BuildDeleteDefaultRouteRequest(int ifindex, const IpAddress& gateway) {
  auto route = MakeDefaultRoute(ifindex, gateway);
  if (!route.ok()) return route.status();
  nl_msg* raw = nullptr;
  if (int err = rtnl_route_build_del_request(route.value().get(), 0, &raw); err < 0)
    return LibnlError("build route request", err);
  std::unique_ptr<nl_msg, MsgDeleter> msg(raw);
  return Copy(msg.get());
}

NetlinkMessage BuildRouteDumpRequest(IpFamily family) {
  NetlinkMessage message(NLMSG_SPACE(sizeof(rtmsg)), 0);
  auto* nlh = reinterpret_cast<nlmsghdr*>(message.data());
  nlh->nlmsg_len = static_cast<uint32_t>(message.size());
  nlh->nlmsg_type = RTM_GETROUTE;
  auto* rtm = static_cast<rtmsg*>(NLMSG_DATA(nlh));
  rtm->rtm_family = static_cast<unsigned char>(AddressFamily(family));
  return message;
}

namespace {

// libnl 3.7's rtnl_route_parse trusts the length of RTA_VIA (it copies length - 2
// bytes, so a 1-byte payload becomes a copy of -1) and of the next hops inside
// RTA_MULTIPATH. failoverd's default routes carry neither (RTA_GATEWAY, one next
// hop), so a message with either is not one of ours and is not handed to libnl.
bool HasAttributeLibnlMisreads(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return true;
  const auto* rtm = static_cast<const rtmsg*>(NLMSG_DATA(nlh));
  int remaining = static_cast<int>(RTM_PAYLOAD(nlh));
  for (const rtattr* attr = RTM_RTA(rtm); RTA_OK(attr, remaining); attr = RTA_NEXT(attr, remaining))
    // libnl ignores the nested and byte-order flags when it picks attributes; so must we.
    if (const int type = attr->rta_type & NLA_TYPE_MASK; type == RTA_VIA || type == RTA_MULTIPATH) return true;
  return false;
}

}  // namespace

std::optional<DefaultRoute> ParseDefaultRoute(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWROUTE || HasAttributeLibnlMisreads(nlh)) return std::nullopt;
  rtnl_route* raw = nullptr;
  // libnl's parser takes a mutable header but does not modify it.
  if (rtnl_route_parse(const_cast<nlmsghdr*>(nlh), &raw) < 0) return std::nullopt;
  std::unique_ptr<rtnl_route, RouteDeleter> route(raw);
  nl_addr* dst = rtnl_route_get_dst(route.get());
  if (rtnl_route_get_table(route.get()) != RT_TABLE_MAIN ||
      rtnl_route_get_type(route.get()) != RTN_UNICAST || !dst || nl_addr_get_prefixlen(dst) != 0 ||
      rtnl_route_get_nnexthops(route.get()) != 1) {
    return std::nullopt;
  }
  rtnl_nexthop* nexthop = rtnl_route_nexthop_n(route.get(), 0);
  DefaultRoute result;
  result.ifindex = rtnl_route_nh_get_ifindex(nexthop);
  if (nl_addr* gw = rtnl_route_nh_get_gateway(nexthop)) {
    IpAddress ip;
    ip.family = nl_addr_get_family(gw) == AF_INET ? IpFamily::kV4 : IpFamily::kV6;
    if (nl_addr_get_len(gw) == ip.size()) {
      std::memcpy(ip.bytes.data(), nl_addr_get_binary_addr(gw), ip.size());
      result.gateway = ip;
    }
  }
  return result;
}

namespace {

using RouteAttributes = std::array<const nlattr*, RTA_MAX + 1>;

int CollectRouteAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<RouteAttributes*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

// The address in a gateway attribute's payload (RTA_GATEWAY: the route's own family).
std::optional<IpAddress> GatewayAddress(const void* payload, size_t length, unsigned char family) {
  IpAddress ip;
  ip.family = family == AF_INET ? IpFamily::kV4 : IpFamily::kV6;
  if (length != ip.size()) return std::nullopt;
  std::memcpy(ip.bytes.data(), payload, ip.size());
  return ip;
}

// The RTA_GATEWAY among the attributes that follow one rtnexthop of RTA_MULTIPATH.
// Copied out with memcpy: nothing promises the nested headers are aligned for us.
std::optional<IpAddress> HopGateway(const uint8_t* at, size_t left, unsigned char family) {
  while (left >= sizeof(nlattr)) {
    nlattr attr;
    std::memcpy(&attr, at, sizeof attr);
    if (attr.nla_len < sizeof(nlattr) || attr.nla_len > left) break;
    if ((attr.nla_type & NLA_TYPE_MASK) == RTA_GATEWAY)
      return GatewayAddress(at + sizeof(nlattr), attr.nla_len - sizeof(nlattr), family);
    const size_t step = NLA_ALIGN(attr.nla_len);
    if (step >= left) break;
    at += step;
    left -= step;
  }
  return std::nullopt;
}

}  // namespace

std::vector<RouteHop> ParseRouteHops(const nlmsghdr* nlh) {
  std::vector<RouteHop> hops;
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(rtmsg)) return hops;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) || rtm->rtm_type != RTN_UNICAST) return hops;
  RouteAttributes attrs{};
  if (mnl_attr_parse(nlh, sizeof(rtmsg), CollectRouteAttribute, &attrs) < 0) return hops;
  // Tables above 255 are only in RTA_TABLE (rtm_table then says RT_TABLE_COMPAT).
  uint32_t table = rtm->rtm_table;
  if (attrs[RTA_TABLE] && mnl_attr_get_payload_len(attrs[RTA_TABLE]) == sizeof(uint32_t))
    table = mnl_attr_get_u32(attrs[RTA_TABLE]);
  if (table != RT_TABLE_MAIN) return hops;

  RouteHop route;
  route.protocol = rtm->rtm_protocol;
  if (rtm->rtm_dst_len != 0) {
    const nlattr* dst = attrs[RTA_DST];
    auto address = dst ? GatewayAddress(mnl_attr_get_payload(dst), mnl_attr_get_payload_len(dst), rtm->rtm_family)
                       : std::nullopt;
    if (!address || rtm->rtm_dst_len > address->size() * 8) return hops;
    route.destination = IpPrefix{*address, rtm->rtm_dst_len};
  }
  if (attrs[RTA_OIF] && mnl_attr_get_payload_len(attrs[RTA_OIF]) == sizeof(uint32_t)) {
    RouteHop hop = route;
    hop.ifindex = static_cast<int>(mnl_attr_get_u32(attrs[RTA_OIF]));
    if (const nlattr* gw = attrs[RTA_GATEWAY])
      hop.gateway = GatewayAddress(mnl_attr_get_payload(gw), mnl_attr_get_payload_len(gw), rtm->rtm_family);
    if (hop.ifindex > 0) hops.push_back(hop);
  }
  if (const nlattr* multipath = attrs[RTA_MULTIPATH]) {
    const auto* at = static_cast<const uint8_t*>(mnl_attr_get_payload(multipath));
    size_t left = mnl_attr_get_payload_len(multipath);
    while (left >= sizeof(rtnexthop)) {
      rtnexthop nexthop;
      std::memcpy(&nexthop, at, sizeof nexthop);
      if (nexthop.rtnh_len < sizeof(rtnexthop) || nexthop.rtnh_len > left) break;
      RouteHop hop = route;
      hop.ifindex = nexthop.rtnh_ifindex;
      const size_t header = RTNH_ALIGN(sizeof(rtnexthop));
      if (nexthop.rtnh_len > header) hop.gateway = HopGateway(at + header, nexthop.rtnh_len - header, rtm->rtm_family);
      if (hop.ifindex > 0) hops.push_back(hop);
      const size_t step = RTNH_ALIGN(nexthop.rtnh_len);
      if (step >= left) break;
      at += step;
      left -= step;
    }
  }
  return hops;
}

std::vector<DefaultRoute> ParseDefaultRouteHops(const nlmsghdr* nlh) {
  std::vector<DefaultRoute> hops;
  for (const RouteHop& hop : ParseRouteHops(nlh))
    if (!hop.destination) hops.push_back({hop.ifindex, hop.gateway});
  return hops;
}

}  // namespace failoverd::kernel
