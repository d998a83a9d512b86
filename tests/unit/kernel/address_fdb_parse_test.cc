// RTM_NEWADDR and AF_BRIDGE RTM_NEWNEIGH messages as the kernel sends them in
// dumps, and the choice of MACs to announce from an FDB.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/fdb_dump.h"

namespace failoverd::kernel {
namespace {

struct Buffer {
  alignas(8) char data[1024] = {};
};

nlmsghdr* AddressMessage(Buffer& buffer, uint8_t family, int ifindex, uint8_t prefixlen,
                         uint8_t flags, const IpAddress& address) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data);
  nlh->nlmsg_type = RTM_NEWADDR;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = family;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  ifa->ifa_prefixlen = prefixlen;
  ifa->ifa_flags = flags;
  mnl_attr_put(nlh, IFA_ADDRESS, address.size(), address.bytes.data());
  return nlh;
}

TEST(AddressParseTest, Ipv4UsesLocalNotPeer) {
  Buffer buffer;
  nlmsghdr* nlh = AddressMessage(buffer, AF_INET, 5, 24, IFA_F_PERMANENT,
                                 *IpAddress::Parse("192.0.2.1"));  // IFA_ADDRESS: the peer
  const IpAddress local = *IpAddress::Parse("192.0.2.9");
  mnl_attr_put(nlh, IFA_LOCAL, 4, local.bytes.data());
  auto address = ParseAddressMessage(nlh);
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->ifindex, 5);
  EXPECT_EQ(address->prefix.ToString(), "192.0.2.9/24");
  EXPECT_FALSE(address->tentative());
}

TEST(AddressParseTest, Ipv6FromAddressAttribute) {
  Buffer buffer;
  nlmsghdr* nlh = AddressMessage(buffer, AF_INET6, 5, 64, 0, *IpAddress::Parse("2001:db8::9"));
  auto address = ParseAddressMessage(nlh);
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->prefix.ToString(), "2001:db8::9/64");
}

TEST(AddressParseTest, TentativeAndDadFailedFlags) {
  Buffer buffer;
  nlmsghdr* nlh =
      AddressMessage(buffer, AF_INET6, 5, 64, IFA_F_TENTATIVE, *IpAddress::Parse("2001:db8::9"));
  EXPECT_TRUE(ParseAddressMessage(nlh)->tentative());

  Buffer extended;
  nlh = AddressMessage(extended, AF_INET6, 5, 64, 0, *IpAddress::Parse("2001:db8::9"));
  // IFA_FLAGS (u32) supersedes the u8 header field when present.
  mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_DADFAILED | IFA_F_MANAGETEMPADDR);
  EXPECT_TRUE(ParseAddressMessage(nlh)->tentative());
}

TEST(AddressParseTest, RejectsWrongLengthAndFamily) {
  Buffer buffer;
  nlmsghdr* nlh = AddressMessage(buffer, AF_INET6, 5, 64, 0, *IpAddress::Parse("192.0.2.9"));
  EXPECT_FALSE(ParseAddressMessage(nlh).has_value());  // 4 bytes for an IPv6 address
  Buffer other;
  nlh = AddressMessage(other, AF_PACKET, 5, 0, 0, *IpAddress::Parse("192.0.2.9"));
  EXPECT_FALSE(ParseAddressMessage(nlh).has_value());
}

nlmsghdr* FdbMessage(Buffer& buffer, int port, uint16_t state, const char* mac,
                     std::optional<int> master) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data);
  nlh->nlmsg_type = RTM_NEWNEIGH;
  auto* ndm = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  ndm->ndm_family = AF_BRIDGE;
  ndm->ndm_ifindex = port;
  ndm->ndm_state = state;
  ndm->ndm_flags = master ? NTF_MASTER : NTF_SELF;
  const MacAddress parsed = *MacAddress::Parse(mac);
  mnl_attr_put(nlh, NDA_LLADDR, 6, parsed.bytes.data());
  if (master) mnl_attr_put_u32(nlh, NDA_MASTER, static_cast<uint32_t>(*master));
  mnl_attr_put_u16(nlh, NDA_VLAN, 1);
  return nlh;
}

TEST(FdbParseTest, ReadsEntry) {
  Buffer buffer;
  auto entry = ParseFdbMessage(FdbMessage(buffer, 6, NUD_REACHABLE, "52:54:00:00:00:01", 4));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->mac.ToString(), "52:54:00:00:00:01");
  EXPECT_EQ(entry->port_ifindex, 6);
  EXPECT_EQ(entry->master_ifindex, 4);
  EXPECT_EQ(entry->state, NUD_REACHABLE);
  EXPECT_EQ(entry->vlan, 1);
}

TEST(FdbParseTest, DeviceOwnAddressListHasNoMaster) {
  Buffer buffer;
  auto entry =
      ParseFdbMessage(FdbMessage(buffer, 6, NUD_PERMANENT, "33:33:00:00:00:01", std::nullopt));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->master_ifindex, 0);
}

TEST(MacsBehindBridgeTest, LearnedAndStaticOnOtherPortsOnly) {
  constexpr int kBridge = 4, kUplink = 5, kTap = 6, kVeth = 7, kOtherBridge = 9;
  auto entry = [](int port, uint16_t state, const char* mac, int master) {
    FdbEntry e;
    e.mac = *MacAddress::Parse(mac);
    e.port_ifindex = port;
    e.state = state;
    e.master_ifindex = master;
    return e;
  };
  const std::vector<FdbEntry> fdb = {
      entry(kUplink, NUD_REACHABLE, "00:00:5e:00:53:01",
            kBridge),  // upstream router: on the port itself
      entry(kTap, NUD_REACHABLE, "52:54:00:00:00:01", kBridge),     // a VM
      entry(kTap, NUD_PERMANENT, "fe:54:00:00:00:01", kBridge),     // the tap's own address
      entry(kBridge, NUD_PERMANENT, "02:00:00:00:00:09", kBridge),  // the bridge's own
      entry(kVeth, NUD_STALE, "52:54:00:00:00:02", kBridge),        // a container, aged
      entry(kVeth, NUD_NOARP, "52:54:00:00:00:03", kBridge),        // static entry
      entry(kVeth, NUD_REACHABLE, "52:54:00:00:00:01", kBridge),    // same MAC again (other VLAN)
      entry(kVeth, NUD_REACHABLE, "01:00:5e:00:00:01", kBridge),    // multicast
      entry(kTap, NUD_REACHABLE, "52:54:00:00:00:04", kOtherBridge),
  };
  const std::vector<MacAddress> macs = MacsBehindBridge(fdb, kBridge, kUplink);
  std::vector<std::string> texts;
  for (const auto& mac : macs) texts.push_back(mac.ToString());
  EXPECT_EQ(texts, (std::vector<std::string>{"52:54:00:00:00:01", "52:54:00:00:00:02",
                                             "52:54:00:00:00:03"}));
}

}  // namespace
}  // namespace failoverd::kernel
