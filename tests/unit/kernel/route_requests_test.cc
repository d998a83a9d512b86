// The libnl-built address and route requests carry what the kernel needs.
#include "failoverd/kernel/route_requests.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace failoverd::kernel {
namespace {

std::array<const nlattr*, IFA_MAX + 1> AddressAttributes(const nlmsghdr* nlh) {
  std::array<const nlattr*, IFA_MAX + 1> table{};
  mnl_attr_parse(
      nlh, sizeof(ifaddrmsg),
      [](const nlattr* attr, void* data) {
        auto* t = static_cast<std::array<const nlattr*, IFA_MAX + 1>*>(data);
        if (mnl_attr_get_type(attr) <= IFA_MAX) (*t)[mnl_attr_get_type(attr)] = attr;
        return MNL_CB_OK;
      },
      &table);
  return table;
}

TEST(RouteRequestsTest, AddAddressIsExclusiveCreate) {
  auto request = BuildAddAddressRequest(4, *IpPrefix::Parse("192.0.2.9/24"));
  ASSERT_TRUE(request.ok()) << request.message();
  const nlmsghdr* nlh = Header(request.value());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWADDR);
  EXPECT_EQ(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  EXPECT_EQ(ifa->ifa_family, AF_INET);
  EXPECT_EQ(ifa->ifa_index, 4u);
  EXPECT_EQ(ifa->ifa_prefixlen, 24);
  auto attrs = AddressAttributes(nlh);
  ASSERT_NE(attrs[IFA_LOCAL], nullptr);
  const uint8_t expected[4] = {192, 0, 2, 9};
  EXPECT_EQ(std::memcmp(mnl_attr_get_payload(attrs[IFA_LOCAL]), expected, 4), 0);
}

TEST(RouteRequestsTest, AddIpv6Address) {
  auto request = BuildAddAddressRequest(4, *IpPrefix::Parse("2001:db8::9/64"));
  ASSERT_TRUE(request.ok()) << request.message();
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(Header(request.value())));
  EXPECT_EQ(ifa->ifa_family, AF_INET6);
  EXPECT_EQ(ifa->ifa_prefixlen, 64);
}

TEST(RouteRequestsTest, DeleteAddress) {
  KernelAddress address;
  address.ifindex = 3;
  address.prefix = *IpPrefix::Parse("198.51.100.7/25");
  auto request = BuildDeleteAddressRequest(address);
  ASSERT_TRUE(request.ok()) << request.message();
  const nlmsghdr* nlh = Header(request.value());
  EXPECT_EQ(nlh->nlmsg_type, RTM_DELADDR);
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  EXPECT_EQ(ifa->ifa_index, 3u);
  EXPECT_EQ(ifa->ifa_prefixlen, 25);
}

TEST(RouteRequestsTest, DefaultRouteRoundTrip) {
  for (const char* gateway : {"192.0.2.1", "2001:db8::1"}) {
    const IpAddress gw = *IpAddress::Parse(gateway);
    auto request = BuildAddDefaultRouteRequest(4, gw);
    ASSERT_TRUE(request.ok()) << request.message();
    const nlmsghdr* nlh = Header(request.value());
    EXPECT_EQ(nlh->nlmsg_type, RTM_NEWROUTE);
    EXPECT_EQ(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
    EXPECT_EQ(rtm->rtm_dst_len, 0);
    EXPECT_EQ(rtm->rtm_table, RT_TABLE_MAIN);
    EXPECT_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
    // The request has the layout of a route message, so the reader understands it.
    auto route = ParseDefaultRoute(nlh);
    ASSERT_TRUE(route.has_value()) << gateway;
    EXPECT_EQ(route->ifindex, 4);
    ASSERT_TRUE(route->gateway.has_value());
    EXPECT_EQ(*route->gateway, gw);
  }
}

TEST(RouteRequestsTest, DefaultRouteHopsOfASingleHopRoute) {
  for (const char* gateway : {"192.0.2.1", "2001:db8::1"}) {
    const IpAddress gw = *IpAddress::Parse(gateway);
    auto request = BuildAddDefaultRouteRequest(4, gw);
    ASSERT_TRUE(request.ok()) << request.message();
    const auto hops = ParseDefaultRouteHops(Header(request.value()));
    ASSERT_EQ(hops.size(), 1u) << gateway;
    EXPECT_EQ(hops[0], (DefaultRoute{4, gw}));
  }
}

// An RTM_NEWROUTE laid out by hand: family, destination length, table, type, and
// the attributes the caller adds.
struct RouteMessage {
  std::array<uint8_t, 512> buffer{};
  nlmsghdr* nlh = nullptr;
  RouteMessage(unsigned char family, unsigned char dst_len, unsigned char table, unsigned char type) {
    nlh = mnl_nlmsg_put_header(buffer.data());
    nlh->nlmsg_type = RTM_NEWROUTE;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = family;
    rtm->rtm_dst_len = dst_len;
    rtm->rtm_table = table;
    rtm->rtm_type = type;
  }
};

TEST(RouteRequestsTest, DefaultRouteHopsOfAMultipathRoute) {
  RouteMessage message(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
  nlattr* multipath = mnl_attr_nest_start(message.nlh, RTA_MULTIPATH);
  const uint8_t gateways[2][4] = {{192, 0, 2, 1}, {198, 51, 100, 1}};
  for (int i = 0; i < 2; ++i) {
    auto* hop = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(message.nlh));
    message.nlh->nlmsg_len += static_cast<uint32_t>(RTNH_ALIGN(sizeof(rtnexthop)));
    hop->rtnh_ifindex = 7 + i;
    mnl_attr_put(message.nlh, RTA_GATEWAY, 4, gateways[i]);
    hop->rtnh_len = static_cast<unsigned short>(static_cast<uint8_t*>(mnl_nlmsg_get_payload_tail(message.nlh)) -
                                                reinterpret_cast<uint8_t*>(hop));
  }
  mnl_attr_nest_end(message.nlh, multipath);
  const auto hops = ParseDefaultRouteHops(message.nlh);
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[0], (DefaultRoute{7, IpAddress::Parse("192.0.2.1")}));
  EXPECT_EQ(hops[1], (DefaultRoute{8, IpAddress::Parse("198.51.100.1")}));
}

TEST(RouteRequestsTest, DefaultRouteHopsIgnoreOtherRoutes) {
  auto with_oif = [](RouteMessage& message) {
    mnl_attr_put_u32(message.nlh, RTA_OIF, 5);
    return ParseDefaultRouteHops(message.nlh);
  };
  RouteMessage device(AF_INET6, 0, RT_TABLE_MAIN, RTN_UNICAST);
  const auto hops = with_oif(device);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0], (DefaultRoute{5, std::nullopt})) << "a device route out of ifindex 5";
  RouteMessage subnet(AF_INET, 24, RT_TABLE_MAIN, RTN_UNICAST);
  EXPECT_TRUE(with_oif(subnet).empty()) << "not a default route";
  RouteMessage local(AF_INET, 0, RT_TABLE_LOCAL, RTN_UNICAST);
  EXPECT_TRUE(with_oif(local).empty()) << "another table";
  RouteMessage blackhole(AF_INET, 0, RT_TABLE_MAIN, RTN_BLACKHOLE);
  EXPECT_TRUE(with_oif(blackhole).empty()) << "not unicast";
  RouteMessage high(AF_INET, 0, RT_TABLE_COMPAT, RTN_UNICAST);
  mnl_attr_put_u32(high.nlh, RTA_TABLE, 1000);
  EXPECT_TRUE(with_oif(high).empty()) << "table 1000, only in RTA_TABLE";
  RouteMessage main_by_attr(AF_INET, 0, RT_TABLE_COMPAT, RTN_UNICAST);
  mnl_attr_put_u32(main_by_attr.nlh, RTA_TABLE, RT_TABLE_MAIN);
  EXPECT_EQ(with_oif(main_by_attr).size(), 1u);
}

TEST(RouteRequestsTest, DefaultRouteHopsSurviveABrokenMultipath) {
  RouteMessage message(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
  // One next hop claiming more bytes than the attribute holds.
  rtnexthop hop{};
  hop.rtnh_len = 200;
  hop.rtnh_ifindex = 3;
  mnl_attr_put(message.nlh, RTA_MULTIPATH, sizeof hop, &hop);
  EXPECT_TRUE(ParseDefaultRouteHops(message.nlh).empty());
}

// Every route's hops with their destination and protocol: what tells a live NIC
// (someone's static or default route) from one whose routes are only its addresses'.
TEST(RouteRequestsTest, RouteHopsOfAnyMainTableRoute) {
  RouteMessage subnet(AF_INET, 8, RT_TABLE_MAIN, RTN_UNICAST);
  static_cast<rtmsg*>(mnl_nlmsg_get_payload(subnet.nlh))->rtm_protocol = RTPROT_STATIC;
  const uint8_t dst[4] = {10, 0, 0, 0};
  const uint8_t gateway[4] = {192, 0, 2, 254};
  mnl_attr_put(subnet.nlh, RTA_DST, 4, dst);
  mnl_attr_put(subnet.nlh, RTA_GATEWAY, 4, gateway);
  mnl_attr_put_u32(subnet.nlh, RTA_OIF, 4);
  auto hops = ParseRouteHops(subnet.nlh);
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].ifindex, 4);
  EXPECT_EQ(hops[0].destination, IpPrefix::Parse("10.0.0.0/8"));
  EXPECT_EQ(hops[0].gateway, IpAddress::Parse("192.0.2.254"));
  EXPECT_EQ(hops[0].protocol, RTPROT_STATIC);
  EXPECT_TRUE(ParseDefaultRouteHops(subnet.nlh).empty()) << "not a default route";

  // A destination length without a destination, or longer than the family's: nothing.
  RouteMessage broken(AF_INET, 8, RT_TABLE_MAIN, RTN_UNICAST);
  mnl_attr_put_u32(broken.nlh, RTA_OIF, 4);
  EXPECT_TRUE(ParseRouteHops(broken.nlh).empty());
  RouteMessage too_long(AF_INET, 40, RT_TABLE_MAIN, RTN_UNICAST);
  mnl_attr_put(too_long.nlh, RTA_DST, 4, dst);
  mnl_attr_put_u32(too_long.nlh, RTA_OIF, 4);
  EXPECT_TRUE(ParseRouteHops(too_long.nlh).empty());
}

TEST(RouteRequestsTest, RouteDumpRequest) {
  NetlinkMessage message = BuildRouteDumpRequest(IpFamily::kV6);
  const nlmsghdr* nlh = Header(message);
  EXPECT_EQ(nlh->nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_family, AF_INET6);
}

}  // namespace
}  // namespace failoverd::kernel
