// Address and route requests built with libnl-route's objects (rtnl_addr,
// rtnl_route): libnl-route 3.7 covers these completely, so we let it lay out
// the messages and send them on our own request socket (NetlinkRequester) to get
// the kernel's errno and extended ack back unchanged.
#pragma once

#include <optional>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/kernel_ops.h"
#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/netlink_requester.h"

struct nlmsghdr;

namespace failoverd::kernel {

// RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL: the kernel answers EEXIST if the
// address is already there.
Result<NetlinkMessage> BuildAddAddressRequest(int ifindex, const IpPrefix& prefix);
// RTM_DELADDR for an address read from the kernel.
Result<NetlinkMessage> BuildDeleteAddressRequest(const KernelAddress& address);
// RTM_NEWROUTE, NLM_F_CREATE|NLM_F_EXCL: main table, default destination of
// the gateway's family, via `gateway` out of `ifindex`, static protocol.
Result<NetlinkMessage> BuildAddDefaultRouteRequest(int ifindex, const IpAddress& gateway);
// RTM_DELROUTE for the route BuildAddDefaultRouteRequest adds.
Result<NetlinkMessage> BuildDeleteDefaultRouteRequest(int ifindex, const IpAddress& gateway);
// RTM_GETROUTE dump request for one family.
NetlinkMessage BuildRouteDumpRequest(IpFamily family);

// A main-table default route read from an RTM_NEWROUTE message (one next hop).
using DefaultRoute = core::DefaultRoute;
// nullopt unless the message is a main-table unicast default route with a single
// next hop (the kind failoverd adds; used to recognise its own).
std::optional<DefaultRoute> ParseDefaultRoute(const nlmsghdr* nlh);
// Every next hop of a main-table unicast default route, also a multipath one
// (RTA_MULTIPATH), read without libnl; empty for any other message. A route through
// a nexthop object (RTA_NH_ID) names no device and yields nothing.
std::vector<DefaultRoute> ParseDefaultRouteHops(const nlmsghdr* nlh);

// One next hop of a main-table unicast route, whoever added it.
struct RouteHop {
  int ifindex = 0;
  std::optional<IpPrefix> destination;  // nullopt: a default route
  std::optional<IpAddress> gateway;
  uint8_t protocol = 0;                 // RTPROT_*: who added it (RTPROT_KERNEL for an address's own)
  bool operator==(const RouteHop&) const = default;
};
// Every next hop of a main-table unicast route (also of a multipath one); empty for
// any other message. A route through a nexthop object (RTA_NH_ID) yields nothing.
std::vector<RouteHop> ParseRouteHops(const nlmsghdr* nlh);

}  // namespace failoverd::kernel
