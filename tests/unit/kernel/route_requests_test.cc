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

TEST(RouteRequestsTest, RouteDumpRequest) {
  NetlinkMessage message = BuildRouteDumpRequest(IpFamily::kV6);
  const nlmsghdr* nlh = Header(message);
  EXPECT_EQ(nlh->nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh))->rtm_family, AF_INET6);
}

}  // namespace
}  // namespace failoverd::kernel
