// Inputs tests/fuzz/uevent_fuzz.cc and tests/fuzz/netlink_fuzz.cc found.
#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <cstdint>
#include <vector>

#include "failoverd/kernel/device_event.h"
#include "failoverd/kernel/netlink_requester.h"
#include "failoverd/kernel/route_requests.h"

namespace failoverd::kernel {
namespace {

DeviceEvent WithIfindex(const char* ifindex) {
  UeventFields fields;
  fields.action = "remove";
  fields.sysname = "veth7";
  fields.ifindex = ifindex;
  return InterpretUevent(fields);
}

// atoi read IFINDEX: undefined past INT_MAX (the fuzzer's 1477777777777777777777
// came out negative) and negative numbers went through as they were.
TEST(UeventFuzzRegressionTest, IfindexIsAPositiveDecimalOrNothing) {
  EXPECT_EQ(WithIfindex("14").ifindex, 14);
  EXPECT_EQ(WithIfindex("2147483647").ifindex, 2147483647);
  EXPECT_EQ(WithIfindex("1477777777777777777777").ifindex, 0);
  EXPECT_EQ(WithIfindex("2147483648").ifindex, 0);
  EXPECT_EQ(WithIfindex("-5").ifindex, 0);
  EXPECT_EQ(WithIfindex("0").ifindex, 0);
  EXPECT_EQ(WithIfindex("14x").ifindex, 0);
  EXPECT_EQ(WithIfindex("").ifindex, 0);
  EXPECT_EQ(WithIfindex(nullptr).ifindex, 0);
}

TEST(UeventFuzzRegressionTest, MoveTakesTheOldNameFromDevpathOld) {
  UeventFields fields;
  fields.action = "move";
  fields.sysname = "hweth0";
  fields.ifindex = "2";
  fields.devpath_old = "/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/net/eth0";
  EXPECT_EQ(InterpretUevent(fields),
            (DeviceEvent{DeviceEvent::Action::kMove, "hweth0", 2, "eth0"}));
  fields.action = "add";
  EXPECT_EQ(InterpretUevent(fields), (DeviceEvent{DeviceEvent::Action::kAdd, "hweth0", 2, ""}));
}

// mnl_nlmsg_ok compares (int)nlmsg_len with what is left, so a length of 2 GiB
// or more passed as negative and the reader copied nlmsg_len bytes.
TEST(NetlinkFuzzRegressionTest, HugeNlmsgLenDoesNotFit) {
  std::vector<uint32_t> buffer(64, 0);  // 256 bytes, aligned
  auto* nlh = reinterpret_cast<nlmsghdr*>(buffer.data());
  nlh->nlmsg_len = 0xf2f2f2f2;
  EXPECT_FALSE(NetlinkMessageFits(nlh, 256));
  nlh->nlmsg_len = 0x80000000;
  EXPECT_FALSE(NetlinkMessageFits(nlh, 256));
  nlh->nlmsg_len = 257;
  EXPECT_FALSE(NetlinkMessageFits(nlh, 256));
  nlh->nlmsg_len = 8;  // shorter than a header
  EXPECT_FALSE(NetlinkMessageFits(nlh, 256));
  nlh->nlmsg_len = 256;
  EXPECT_TRUE(NetlinkMessageFits(nlh, 256));
  nlh->nlmsg_len = sizeof(nlmsghdr);
  EXPECT_TRUE(NetlinkMessageFits(nlh, 256));
  EXPECT_FALSE(NetlinkMessageFits(nlh, sizeof(nlmsghdr) - 1));
}

// libmnl walks attributes up to MNL_ALIGN(nlmsg_len); Exchange kept a copy of
// just nlmsg_len bytes, so a message of 43 bytes whose last attribute reached
// byte 44 was read one byte past the copy (netlink_fuzz: an RTM_NEWADDR).
TEST(NetlinkFuzzRegressionTest, CopiedMessageKeepsItsPadding) {
  std::vector<uint32_t> buffer(16, 0xffffffff);
  auto* nlh = reinterpret_cast<nlmsghdr*>(buffer.data());
  nlh->nlmsg_len = 43;
  const NetlinkMessage copy = CopyNetlinkMessage(nlh);
  ASSERT_EQ(copy.size(), 44u);
  EXPECT_EQ(Header(copy)->nlmsg_len, 43u);
  EXPECT_EQ(copy[42], 0xff);
  EXPECT_EQ(copy[43], 0);  // padding is zeros, not the next message
}

}  // namespace
}  // namespace failoverd::kernel

// Found by tests/fuzz/netlink_fuzz.cc: an RTM_NEWROUTE whose RTA_VIA has a 1-byte
// payload made libnl 3.7 copy -1 bytes. Such a route is not one of failoverd's.
TEST(NetlinkFuzzRegressionTest, RouteWithAShortViaIsNotParsedByLibnl) {
  const std::vector<uint8_t> bytes = {
      0x34, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x5b, 0x01, 0x00, 0x00, 0x00, 0xfa, 0x4c, 0x00,
      0x00, 0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00,
      0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x12, 0x00, 0x00, 0xc0, 0x00, 0x02, 0xfe, 0x02, 0x00, 0x5b,
      0x01, 0x00, 0x08, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x02, 0x00};
  const auto copy = failoverd::kernel::CopyNetlinkMessage(reinterpret_cast<const nlmsghdr*>(bytes.data()));
  EXPECT_FALSE(failoverd::kernel::ParseDefaultRoute(reinterpret_cast<const nlmsghdr*>(copy.data())));
}
