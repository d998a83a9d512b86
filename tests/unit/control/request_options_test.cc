// Option words of a control request: NAME=VALUE and bare flags after the first
// argument, and the session address.
#include "failoverd/control/request_options.h"

#include <gtest/gtest.h>

namespace failoverd {
namespace {

using Words = std::vector<std::string>;

TEST(RequestOptionsTest, TakeOptionRemovesTheWord) {
  Words args = {"eth0", "confirm=60", "session=192.0.2.9"};
  auto confirm = TakeOption(args, "confirm");
  ASSERT_TRUE(confirm);
  EXPECT_EQ(*confirm, std::optional<std::string>("60"));
  EXPECT_EQ(args, (Words{"eth0", "session=192.0.2.9"}));
  auto absent = TakeOption(args, "confirm");
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, std::nullopt);
}

TEST(RequestOptionsTest, TheFirstArgumentIsNeverAnOption) {
  Words args = {"force", "confirm=5"};
  EXPECT_FALSE(*TakeFlag(args, "force")) << "a bridge called force is a bridge";
  Words file = {"confirm=/etc/x.toml"};
  auto confirm = TakeOption(file, "confirm");
  ASSERT_TRUE(confirm);
  EXPECT_EQ(*confirm, std::nullopt);
  EXPECT_EQ(file, Words{"confirm=/etc/x.toml"});
}

TEST(RequestOptionsTest, TwiceOrEmptyIsAnError) {
  Words twice = {"eth0", "confirm=5", "confirm=6"};
  EXPECT_FALSE(TakeOption(twice, "confirm"));
  Words empty = {"eth0", "confirm="};
  EXPECT_FALSE(TakeOption(empty, "confirm"));
}

TEST(RequestOptionsTest, TakeFlag) {
  Words args = {"eth0", "force", "forced"};
  EXPECT_TRUE(*TakeFlag(args, "force"));
  EXPECT_EQ(args, (Words{"eth0", "forced"})) << "only the exact word";
  EXPECT_FALSE(*TakeFlag(args, "force"));
  Words none;
  EXPECT_FALSE(*TakeFlag(none, "force"));
  Words thrice = {"eth0", "force", "force", "force"};
  auto repeated = TakeFlag(thrice, "force");
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.message(), "force given twice");
}

TEST(RequestOptionsTest, Session) {
  Words args = {"eth0", "session=198.51.100.10"};
  auto session = TakeSession(args);
  ASSERT_TRUE(session) << session.message();
  EXPECT_EQ(*session, IpAddress::Parse("198.51.100.10"));
  EXPECT_EQ(args, Words{"eth0"});

  Words mapped = {"eth0", "session=::ffff:192.0.2.10"};
  auto unmapped = TakeSession(mapped);
  ASSERT_TRUE(unmapped);
  EXPECT_EQ(*unmapped, IpAddress::Parse("192.0.2.10")) << "an IPv4-mapped address is the IPv4 address";

  Words v6 = {"eth0", "session=2001:db8::10"};
  auto six = TakeSession(v6);
  ASSERT_TRUE(six);
  EXPECT_EQ(*six, IpAddress::Parse("2001:db8::10"));

  Words none = {"eth0"};
  auto absent = TakeSession(none);
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, std::nullopt);

  Words bad = {"eth0", "session=server.example"};
  auto refused = TakeSession(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("not an IP address"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace failoverd
