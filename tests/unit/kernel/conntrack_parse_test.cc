// ctnetlink dump messages (IPCTNL_MSG_CT_NEW) as the conntrack sweep reads them: the
// original tuple's addresses and protocol, the mark, and what a delete must send back.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <cstring>

#include "failoverd/kernel/conntrack_table.h"

namespace failoverd::kernel {
namespace {

struct Buffer {
  alignas(8) char data[1024] = {};
};

// A CT_NEW message with CTA_TUPLE_ORIG { ip { src, dst }, proto { num, ports } }.
nlmsghdr* CtMessage(Buffer& buffer, uint8_t family, const char* source, const char* destination,
                    size_t address_size = 0) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data);
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
  auto* header = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  header->nfgen_family = family;
  const IpAddress src = *IpAddress::Parse(source);
  const IpAddress dst = *IpAddress::Parse(destination);
  const size_t size = address_size ? address_size : src.size();
  nlattr* orig = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
  nlattr* ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
  mnl_attr_put(nlh, family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, size, src.bytes.data());
  mnl_attr_put(nlh, family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST, size, dst.bytes.data());
  mnl_attr_nest_end(nlh, ip);
  nlattr* proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
  mnl_attr_put_u8(nlh, CTA_PROTO_NUM, 6);
  mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(40000));
  mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(8080));
  mnl_attr_nest_end(nlh, proto);
  mnl_attr_nest_end(nlh, orig);
  return nlh;
}

TEST(ConntrackParseTest, Ipv4EntryWithMarkIdAndZone) {
  Buffer buffer;
  nlmsghdr* nlh = CtMessage(buffer, AF_INET, "192.0.2.1", "192.0.2.9");
  const auto* orig = reinterpret_cast<const uint8_t*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
  const size_t orig_size = reinterpret_cast<const nlattr*>(orig)->nla_len;
  mnl_attr_put_u32(nlh, CTA_MARK, htonl(0x01000007));
  mnl_attr_put_u32(nlh, CTA_ID, htonl(1234));
  mnl_attr_put_u16(nlh, CTA_ZONE, htons(3));
  auto dumped = ParseConntrackMessage(nlh);
  ASSERT_TRUE(dumped.has_value());
  EXPECT_EQ(dumped->family, AF_INET);
  EXPECT_EQ(dumped->entry.protocol, 6);
  EXPECT_EQ(dumped->entry.source.ToString(), "192.0.2.1");
  EXPECT_EQ(dumped->entry.destination.ToString(), "192.0.2.9");
  EXPECT_EQ(dumped->entry.mark, 0x01000007u);
  // Sent back as they came (network order) in the delete.
  EXPECT_EQ(dumped->id, htonl(1234));
  EXPECT_EQ(dumped->zone, htons(3));
  ASSERT_EQ(dumped->tuple.size(), orig_size);
  EXPECT_EQ(std::memcmp(dumped->tuple.data(), orig, orig_size), 0);
}

TEST(ConntrackParseTest, Ipv6EntryWithoutMark) {
  Buffer buffer;
  nlmsghdr* nlh = CtMessage(buffer, AF_INET6, "2001:db8::1", "2001:db8::9");
  auto dumped = ParseConntrackMessage(nlh);
  ASSERT_TRUE(dumped.has_value());
  EXPECT_EQ(dumped->entry.destination.ToString(), "2001:db8::9");
  EXPECT_EQ(dumped->entry.mark, 0u);
  EXPECT_FALSE(dumped->id.has_value());
  EXPECT_FALSE(dumped->zone.has_value());
}

TEST(ConntrackParseTest, MalformedOrOtherMessagesAreNotEntries) {
  Buffer v6_short;
  EXPECT_FALSE(ParseConntrackMessage(CtMessage(v6_short, AF_INET6, "2001:db8::1", "2001:db8::9", 4)).has_value());
  Buffer other;
  nlmsghdr* nlh = CtMessage(other, AF_INET, "192.0.2.1", "192.0.2.9");
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
  EXPECT_FALSE(ParseConntrackMessage(nlh).has_value());
  Buffer bridge;
  EXPECT_FALSE(ParseConntrackMessage(CtMessage(bridge, AF_BRIDGE, "192.0.2.1", "192.0.2.9")).has_value());
  Buffer no_tuple;
  nlh = mnl_nlmsg_put_header(no_tuple.data);
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
  static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)))->nfgen_family = AF_INET;
  mnl_attr_put_u32(nlh, CTA_MARK, 0);
  EXPECT_FALSE(ParseConntrackMessage(nlh).has_value());
}

}  // namespace
}  // namespace failoverd::kernel
