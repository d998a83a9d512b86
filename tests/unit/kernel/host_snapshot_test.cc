#include "failoverd/kernel/host_snapshot.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace failoverd::kernel {
namespace {

// An RTM_NEWROUTE as a dump would carry it: 203.0.113.0/24 via 192.0.2.1 out of `oif`.
NetlinkMessage Route(int oif, uint8_t protocol = RTPROT_BOOT, uint32_t table = RT_TABLE_MAIN) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWROUTE, NLM_F_MULTI);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 24;
  rtm->rtm_protocol = protocol;
  rtm->rtm_type = RTN_UNICAST;
  rtm->rtm_table = RT_TABLE_MAIN;
  mnl_attr_put_u32(nlh, RTA_TABLE, table);
  const uint8_t dst[4] = {203, 0, 113, 0};
  const uint8_t gateway[4] = {192, 0, 2, 1};
  mnl_attr_put(nlh, RTA_DST, sizeof(dst), dst);
  mnl_attr_put(nlh, RTA_PRIORITY, sizeof(uint32_t), "\x32\0\0\0");
  mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gateway), gateway);
  mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(oif));
  return CopyNetlinkMessage(nlh);
}

NetlinkMessage Address(int ifindex, uint8_t family, uint8_t scope) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWADDR, NLM_F_MULTI);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family;
  ifa->ifa_prefixlen = 24;
  ifa->ifa_scope = scope;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  const uint8_t local[4] = {192, 0, 2, 10};
  if (family == AF_INET) mnl_attr_put(nlh, IFA_LOCAL, sizeof(local), local);
  return CopyNetlinkMessage(nlh);
}

TEST(HostSnapshot, ReplayOnMovesARouteToAnotherInterfaceAndKeepsTheRest) {
  const NetlinkMessage route = Route(2);
  EXPECT_EQ(RouteOutputInterface(route), 2);
  const NetlinkMessage moved = ReplayOn(route, 7);
  EXPECT_EQ(RouteOutputInterface(moved), 7);
  EXPECT_EQ(DescribeRoute(moved), "203.0.113.0/24 via 192.0.2.1");
  const nlmsghdr* nlh = Header(moved);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  // Apart from the header's flags and RTA_OIF's value, not a byte changed.
  ASSERT_EQ(moved.size(), route.size());
  size_t differing = 0;
  for (size_t i = sizeof(nlmsghdr); i < route.size(); ++i) differing += route[i] != moved[i];
  EXPECT_EQ(differing, 1u);  // 2 -> 7: one byte of the little-endian u32
}

TEST(HostSnapshot, ReplayOnMovesAnAddress) {
  const NetlinkMessage moved = ReplayOn(Address(2, AF_INET, RT_SCOPE_UNIVERSE), 9);
  EXPECT_EQ(static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(Header(moved)))->ifa_index, 9u);
}

TEST(HostSnapshot, KernelMadeRoutesAndAddressesAreNotReplayed) {
  EXPECT_FALSE(IsAutomaticRoute(Route(2)));
  EXPECT_TRUE(IsAutomaticRoute(Route(2, RTPROT_KERNEL)));
  EXPECT_TRUE(IsAutomaticRoute(Route(2, RTPROT_BOOT, RT_TABLE_LOCAL)));
  EXPECT_FALSE(IsAutomaticAddress(Address(2, AF_INET, RT_SCOPE_UNIVERSE)));
  EXPECT_TRUE(IsAutomaticAddress(Address(2, AF_INET6, RT_SCOPE_LINK)));
}

TEST(HostSnapshot, JsonRoundTripKeepsEveryByte) {
  HostSnapshot snapshot;
  snapshot.had_table = true;
  snapshot.table_text = "table inet failoverd {\n}\n";
  SnapshotLink link;
  link.ifindex = 2;
  link.name = "eth0";
  link.kind = "veth";
  link.mac = *MacAddress::Parse("02:00:00:00:0e:01");
  link.up = true;
  link.sysctls = {{"ipv4/conf/eth0/rp_filter", "2"}};
  link.addresses = {Address(2, AF_INET, RT_SCOPE_UNIVERSE)};
  snapshot.links = {link};
  snapshot.routes = {Route(2)};
  const nlohmann::json json = snapshot.ToJson();
  auto back = HostSnapshot::FromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->ToJson(), json);
  ASSERT_EQ(back->routes.size(), 1u);
  EXPECT_EQ(back->routes[0], snapshot.routes[0]);
  ASSERT_NE(back->Find(2), nullptr);
  EXPECT_EQ(back->Find(2)->addresses[0], link.addresses[0]);
  EXPECT_EQ(back->Find(2)->sysctls.at("ipv4/conf/eth0/rp_filter"), "2");
}

TEST(HostSnapshot, ABridgesAliasAndSettingsComeBackAndOlderRecordsHaveNone) {
  HostSnapshot snapshot;
  SnapshotLink bridge;
  bridge.ifindex = 7;
  bridge.name = "eth0";
  bridge.kind = "bridge";
  bridge.mac = *MacAddress::Parse("02:00:00:00:0d:0e");
  bridge.alias = "made by ifupdown";
  bridge.bridge = core::BridgeSettings{true, 1500};
  snapshot.links = {bridge};
  nlohmann::json json = snapshot.ToJson();
  auto back = HostSnapshot::FromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back) << back.message();
  ASSERT_NE(back->Find(7), nullptr);
  EXPECT_EQ(back->Find(7)->alias, "made by ifupdown");
  EXPECT_EQ(back->Find(7)->bridge, (core::BridgeSettings{true, 1500}));
  // A pending conversion recorded by a failoverd from before takeovers: no alias, no settings.
  json["links"][0].erase("alias");
  json["links"][0].erase("bridge");
  back = HostSnapshot::FromJson(json);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->Find(7)->alias, "");
  EXPECT_FALSE(back->Find(7)->bridge.has_value());
}

TEST(HostSnapshot, DefaultRoutesAreFoundByInterfaceAndGateway) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWROUTE, NLM_F_MULTI);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  const uint8_t gateway[4] = {192, 0, 2, 1};
  mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gateway), gateway);
  mnl_attr_put_u32(nlh, RTA_OIF, 7);
  const std::vector<NetlinkMessage> routes = {CopyNetlinkMessage(nlh), Route(7)};
  EXPECT_TRUE(HasDefaultRouteVia(routes, 7, *IpAddress::Parse("192.0.2.1")));
  EXPECT_FALSE(HasDefaultRouteVia(routes, 8, *IpAddress::Parse("192.0.2.1")));
  EXPECT_FALSE(HasDefaultRouteVia(routes, 7, *IpAddress::Parse("192.0.2.254")));
  EXPECT_FALSE(HasDefaultRouteVia({Route(7)}, 7, *IpAddress::Parse("192.0.2.1")));  // 203.0.113.0/24, not default
}

TEST(HostSnapshot, DamagedRecordsAreRefused) {
  HostSnapshot snapshot;
  snapshot.routes = {Route(2)};
  nlohmann::json json = snapshot.ToJson();
  json["routes"][0] = json["routes"][0].get<std::string>().substr(2);  // length no longer matches
  EXPECT_FALSE(HostSnapshot::FromJson(json));
  EXPECT_FALSE(HostSnapshot::FromJson(nlohmann::json::object()));
}

}  // namespace
}  // namespace failoverd::kernel
