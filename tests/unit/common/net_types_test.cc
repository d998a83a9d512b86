// The plain value types every layer shares: MACs, IP addresses and prefixes, globs,
// and Status/Result.
#include "failoverd/common/net_types.h"

#include <gtest/gtest.h>

#include "failoverd/common/status.h"

namespace failoverd {
namespace {

TEST(MacAddressTest, ParsesEitherSeparatorInEitherCase) {
  EXPECT_EQ(MacAddress::Parse("02:AA:bb:0C:dd:EF")->ToString(), "02:aa:bb:0c:dd:ef");
  EXPECT_EQ(MacAddress::Parse("02-aa-bb-0c-dd-ef")->ToString(), "02:aa:bb:0c:dd:ef");
  for (const char* bad : {"", "02:aa:bb:0c:dd", "02:aa:bb:0c:dd:ef:00", "02:aa-bb:0c:dd:ef", "02:aa:bb:0c:dd:eg",
                          "02.aa.bb.0c.dd.ef", " 02:aa:bb:0c:dd:ef"})
    EXPECT_FALSE(MacAddress::Parse(bad)) << bad;
}

TEST(MacAddressTest, ZeroMulticastAndOrder) {
  EXPECT_TRUE(MacAddress{}.IsZero());
  EXPECT_FALSE(MacAddress::Parse("00:00:00:00:00:01")->IsZero());
  EXPECT_TRUE(MacAddress::Parse("01:00:5e:00:00:01")->IsMulticast());
  EXPECT_FALSE(MacAddress::Parse("02:00:5e:00:00:01")->IsMulticast());
  EXPECT_LT(*MacAddress::Parse("02:00:00:00:00:01"), *MacAddress::Parse("02:00:00:00:00:02"));
}

TEST(MacAddressTest, OrderIsByteOrderFromTheFirstByte) {
  // The order keys state.json's maps and the decision's lookups: the first byte weighs most.
  EXPECT_LT(*MacAddress::Parse("01:ff:ff:ff:ff:ff"), *MacAddress::Parse("02:00:00:00:00:00"));
  EXPECT_LT(*MacAddress::Parse("02:00:00:00:00:ff"), *MacAddress::Parse("02:00:00:00:01:00"));
  EXPECT_GT(*MacAddress::Parse("ff:00:00:00:00:00"), *MacAddress::Parse("7f:ff:ff:ff:ff:ff"));
  EXPECT_EQ(*MacAddress::Parse("02:aa:bb:cc:dd:ee"), *MacAddress::Parse("02-AA-BB-CC-DD-EE"));
  EXPECT_NE(*MacAddress::Parse("02:aa:bb:cc:dd:ee"), *MacAddress::Parse("02:aa:bb:cc:dd:ef"));
  EXPECT_EQ(*MacAddress::Parse("02:aa:bb:cc:dd:ee") <=> *MacAddress::Parse("02:aa:bb:cc:dd:ee"),
            std::strong_ordering::equal);
}

TEST(IpAddressTest, BothFamiliesRoundTrip) {
  const auto v4 = IpAddress::Parse("192.0.2.9");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, IpFamily::kV4);
  EXPECT_EQ(v4->size(), 4u);
  EXPECT_EQ(v4->ToString(), "192.0.2.9");
  const auto v6 = IpAddress::Parse("2001:DB8:0:0::9");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, IpFamily::kV6);
  EXPECT_EQ(v6->size(), 16u);
  EXPECT_EQ(v6->ToString(), "2001:db8::9");
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "2001:db8::9::1", "eth0", "192.0.2.9/24"})
    EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
}

TEST(IpPrefixTest, ParseKeepsHostBitsAndChecksTheLength) {
  EXPECT_EQ(IpPrefix::Parse("192.0.2.9/24")->ToString(), "192.0.2.9/24");
  EXPECT_EQ(IpPrefix::Parse("2001:db8:1::9/64")->length, 64);
  for (const char* bad : {"192.0.2.9", "192.0.2.9/", "192.0.2.9/33", "2001:db8::/129", "192.0.2.9/2x",
                          "192.0.2.9/0024", "/24"})
    EXPECT_FALSE(IpPrefix::Parse(bad)) << bad;
  EXPECT_TRUE(IpPrefix::Parse("0.0.0.0/0"));
}

TEST(IpPrefixTest, Contains) {
  const IpPrefix lan = *IpPrefix::Parse("192.0.2.9/24");
  EXPECT_TRUE(lan.Contains(*IpAddress::Parse("192.0.2.1")));
  EXPECT_TRUE(lan.Contains(*IpAddress::Parse("192.0.2.255")));
  EXPECT_FALSE(lan.Contains(*IpAddress::Parse("192.0.3.1")));
  EXPECT_FALSE(lan.Contains(*IpAddress::Parse("2001:db8::1"))) << "another family";
  const IpPrefix odd = *IpPrefix::Parse("198.51.100.130/25");
  EXPECT_TRUE(odd.Contains(*IpAddress::Parse("198.51.100.255")));
  EXPECT_FALSE(odd.Contains(*IpAddress::Parse("198.51.100.127")));
  EXPECT_TRUE(IpPrefix::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("203.0.113.7")));
  const IpPrefix v6 = *IpPrefix::Parse("2001:db8:1::/48");
  EXPECT_TRUE(v6.Contains(*IpAddress::Parse("2001:db8:1:ffff::1")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("2001:db8:2::1")));
}

TEST(GlobTest, FnmatchSemantics) {
  EXPECT_TRUE(GlobMatch("eth*", "eth0"));
  EXPECT_TRUE(GlobMatch("eth*", "eth"));
  EXPECT_FALSE(GlobMatch("eth*", "xeth0"));
  EXPECT_TRUE(GlobMatch("pci-0000:03:00.?", "pci-0000:03:00.1"));
  EXPECT_TRUE(GlobMatch("hweth[0-3]", "hweth2"));
  EXPECT_FALSE(GlobMatch("hweth[0-3]", "hweth4"));
  EXPECT_TRUE(GlobMatch("core-*", "core-sw-1"));
}

TEST(StatusTest, OkErrorAndResult) {
  EXPECT_TRUE(Status::Ok());
  const Status error = Status::Error("it broke");
  EXPECT_FALSE(error);
  EXPECT_EQ(error.message(), "it broke");
  Result<int> value = 7;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 7);
  EXPECT_TRUE(value.status());
  Result<int> failed = Status::Error("no");
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.message(), "no");
  EXPECT_EQ(failed.status().message(), "no");
}

}  // namespace
}  // namespace failoverd
