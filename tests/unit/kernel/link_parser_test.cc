// Builds RTM_NEWLINK / RTM_DELLINK messages the way the kernel lays them out
// (with libmnl) and checks what ParseLinkMessage makes of them.
#include "failoverd/kernel/link_parser.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace failoverd::kernel {
namespace {

struct LinkMessageSpec {
  uint16_t type = RTM_NEWLINK;
  uint8_t family = AF_UNSPEC;
  int ifindex = 3;
  unsigned flags = 0;
  std::optional<std::string> name = "hweth1";
  std::optional<std::string> kind;
  std::optional<MacAddress> mac;
  std::optional<MacAddress> perm_mac;
  std::optional<uint32_t> master;
  std::optional<std::string> alias;
  // Bridges: IFLA_BR_STP_STATE and IFLA_BR_FORWARD_DELAY inside IFLA_INFO_DATA.
  std::optional<std::pair<uint32_t, uint32_t>> stp_and_delay;
};

class LinkMessage {
 public:
  explicit LinkMessage(const LinkMessageSpec& spec) {
    std::memset(buffer_, 0, sizeof buffer_);
    nlh_ = mnl_nlmsg_put_header(buffer_);
    nlh_->nlmsg_type = spec.type;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(ifinfomsg)));
    ifi->ifi_family = spec.family;
    ifi->ifi_index = spec.ifindex;
    ifi->ifi_flags = spec.flags;
    if (spec.name) mnl_attr_put_strz(nlh_, IFLA_IFNAME, spec.name->c_str());
    mnl_attr_put_u32(nlh_, IFLA_MTU, 1500);  // an attribute the parser does not use
    if (spec.mac) mnl_attr_put(nlh_, IFLA_ADDRESS, 6, spec.mac->bytes.data());
    if (spec.perm_mac) mnl_attr_put(nlh_, IFLA_PERM_ADDRESS, 6, spec.perm_mac->bytes.data());
    if (spec.master) mnl_attr_put_u32(nlh_, IFLA_MASTER, *spec.master);
    if (spec.alias) mnl_attr_put_strz(nlh_, IFLA_IFALIAS, spec.alias->c_str());
    if (spec.kind) {
      nlattr* info = mnl_attr_nest_start(nlh_, IFLA_LINKINFO);
      mnl_attr_put_strz(nlh_, IFLA_INFO_KIND, spec.kind->c_str());
      if (spec.stp_and_delay) {
        nlattr* data = mnl_attr_nest_start(nlh_, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh_, IFLA_BR_HELLO_TIME, 200);  // one the parser does not use
        mnl_attr_put_u32(nlh_, IFLA_BR_FORWARD_DELAY, spec.stp_and_delay->second);
        mnl_attr_put_u32(nlh_, IFLA_BR_STP_STATE, spec.stp_and_delay->first);
        mnl_attr_nest_end(nlh_, data);
      }
      mnl_attr_nest_end(nlh_, info);
    }
  }
  const nlmsghdr* header() const { return nlh_; }
  nlmsghdr* mutable_header() { return nlh_; }

 private:
  alignas(8) char buffer_[4096];
  nlmsghdr* nlh_;
};

const MacAddress kMac = *MacAddress::Parse("52:54:00:12:34:56");
const MacAddress kPermMac = *MacAddress::Parse("00:0c:29:89:80:c2");

TEST(LinkParserTest, ReadsEveryField) {
  LinkMessageSpec spec;
  spec.ifindex = 7;
  spec.flags = IFF_UP | IFF_LOWER_UP | IFF_BROADCAST;
  spec.kind = "veth";
  spec.mac = kMac;
  spec.perm_mac = kPermMac;
  spec.master = 4;
  LinkMessage message(spec);

  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->ifindex, 7);
  EXPECT_EQ(link->name, "hweth1");
  EXPECT_EQ(link->kind, "veth");
  EXPECT_EQ(link->mac, kMac);
  ASSERT_TRUE(link->perm_mac.has_value());
  EXPECT_EQ(*link->perm_mac, kPermMac);
  EXPECT_EQ(link->identity(), kPermMac);
  EXPECT_TRUE(link->admin_up);
  EXPECT_TRUE(link->carrier);
  EXPECT_EQ(link->master, 4);
  // Enrichment is not the parser's job: those fields keep their defaults.
  EXPECT_FALSE(link->physical);
  EXPECT_EQ(link->driver, "");
}

TEST(LinkParserTest, PlainDeviceWithoutOptionalAttributes) {
  LinkMessageSpec spec;
  spec.name = "enp3s0";
  spec.flags = IFF_UP;  // up, but no carrier
  LinkMessage message(spec);

  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->kind, "");
  EXPECT_FALSE(link->perm_mac.has_value());
  EXPECT_EQ(link->master, 0);
  EXPECT_TRUE(link->admin_up);
  EXPECT_FALSE(link->carrier);
  EXPECT_TRUE(link->mac.IsZero());
}

TEST(LinkParserTest, CarrierIsLowerUpNotRunning) {
  LinkMessageSpec spec;
  spec.flags = IFF_UP | IFF_RUNNING;  // operstate says running, driver has no carrier
  LinkMessage message(spec);
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_FALSE(link->carrier);
}

TEST(LinkParserTest, BridgeKind) {
  LinkMessageSpec spec;
  spec.name = "eth0";
  spec.kind = "bridge";
  spec.mac = kMac;
  LinkMessage message(spec);
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_TRUE(link->is_bridge());
  EXPECT_EQ(link->identity(), kMac);  // no permanent MAC: identity is the current one
}

TEST(LinkParserTest, TheOwnerMarkAndTheBridgeSettings) {
  LinkMessageSpec spec;
  spec.name = "eth0";
  spec.kind = "bridge";
  spec.alias = "failoverd";
  spec.stp_and_delay = {{2, 1500}};  // STP by a user-space daemon counts as on
  LinkMessage message(spec);
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_TRUE(link->is_own_bridge());
  ASSERT_TRUE(link->bridge_settings.has_value());
  EXPECT_EQ(*link->bridge_settings, (core::BridgeSettings{true, 1500}));

  spec.alias = "uplink to the rack switch";
  spec.stp_and_delay.reset();
  LinkMessage foreign(spec);
  link = ParseLinkMessage(foreign.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->alias, "uplink to the rack switch");
  EXPECT_FALSE(link->is_own_bridge());
  EXPECT_FALSE(link->bridge_settings.has_value()) << "not reported: nothing to compare";

  spec.kind = "veth";
  spec.alias = "failoverd";
  LinkMessage nic(spec);
  EXPECT_FALSE(ParseLinkMessage(nic.header())->is_own_bridge()) << "only a bridge is one";
}

TEST(LinkParserTest, DelLinkIsParsedToo) {
  LinkMessageSpec spec;
  spec.type = RTM_DELLINK;
  spec.ifindex = 9;
  LinkMessage message(spec);
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->ifindex, 9);
  EXPECT_EQ(link->name, "hweth1");
}

TEST(LinkParserTest, IgnoresBridgePortNotifications) {
  // Releasing a port makes the bridge send an AF_BRIDGE RTM_DELLINK for a link
  // that still exists; it must not read as a removal.
  LinkMessageSpec spec;
  spec.type = RTM_DELLINK;
  spec.family = AF_BRIDGE;
  spec.master = 4;
  LinkMessage message(spec);
  EXPECT_FALSE(ParseLinkMessage(message.header()).has_value());
}

TEST(LinkParserTest, RejectsMessageWithoutName) {
  LinkMessageSpec spec;
  spec.name.reset();
  LinkMessage message(spec);
  EXPECT_FALSE(ParseLinkMessage(message.header()).has_value());
}

TEST(LinkParserTest, RejectsOtherMessageTypes) {
  LinkMessageSpec spec;
  LinkMessage message(spec);
  message.mutable_header()->nlmsg_type = RTM_NEWADDR;
  EXPECT_FALSE(ParseLinkMessage(message.header()).has_value());
}

TEST(LinkParserTest, RejectsTruncatedHeader) {
  alignas(8) char buffer[64] = {};
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer);
  nlh->nlmsg_type = RTM_NEWLINK;
  mnl_nlmsg_put_extra_header(nlh, 4);  // shorter than ifinfomsg
  EXPECT_FALSE(ParseLinkMessage(nlh).has_value());
}

TEST(LinkParserTest, NonEthernetAddressIsNotAMac) {
  LinkMessageSpec spec;
  spec.name = "gre1";
  LinkMessage message(spec);
  const uint8_t ipv4_tunnel_address[4] = {192, 0, 2, 1};
  mnl_attr_put(message.mutable_header(), IFLA_ADDRESS, 4, ipv4_tunnel_address);
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_TRUE(link->mac.IsZero());
}

TEST(LinkParserTest, UnterminatedNameIsBounded) {
  LinkMessageSpec spec;
  spec.name.reset();
  LinkMessage message(spec);
  mnl_attr_put(message.mutable_header(), IFLA_IFNAME, 4, "abcd");  // no NUL
  auto link = ParseLinkMessage(message.header());
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->name, "abcd");
}

}  // namespace
}  // namespace failoverd::kernel
