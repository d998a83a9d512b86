// failoverctl's session finder: SSH_CONNECTION's server address, the variable in a
// /proc/PID/environ image, and the parent pid in a /proc/PID/stat line.
#include "failoverd/ctl/session_address.h"

#include <gtest/gtest.h>

#include <string>

namespace failoverd {
namespace {

using namespace std::string_literals;

TEST(CtlSessionAddressTest, ServerAddressOfSshConnection) {
  EXPECT_EQ(SessionAddressFromSshConnection("192.0.2.1 40000 198.51.100.10 22"), "198.51.100.10");
  EXPECT_EQ(SessionAddressFromSshConnection("2001:db8::1 51000 2001:db8::10 22"), "2001:db8::10");
  EXPECT_EQ(SessionAddressFromSshConnection("2001:DB8::1 51000 2001:0DB8:0::10 2222"), "2001:db8::10")
      << "written the way the daemon compares it";
  EXPECT_EQ(SessionAddressFromSshConnection("fe80::1%eth0 51000 fe80::2%eth0 22"), "fe80::2") << "scope dropped";
  EXPECT_EQ(SessionAddressFromSshConnection("  192.0.2.1  40000\t198.51.100.10 22 "), "198.51.100.10");
}

TEST(CtlSessionAddressTest, MalformedSshConnectionGivesNothing) {
  EXPECT_EQ(SessionAddressFromSshConnection(""), std::nullopt);
  EXPECT_EQ(SessionAddressFromSshConnection("192.0.2.1 40000 198.51.100.10"), std::nullopt);
  EXPECT_EQ(SessionAddressFromSshConnection("192.0.2.1 40000 198.51.100.10 22 extra"), std::nullopt);
  EXPECT_EQ(SessionAddressFromSshConnection("192.0.2.1 40000 server.example 22"), std::nullopt);
  EXPECT_EQ(SessionAddressFromSshConnection("192.0.2.1 40000 198.51.100.300 22"), std::nullopt);
}

TEST(CtlSessionAddressTest, SshConnectionInAnEnvironImage) {
  const std::string image = "HOME=/root\0SSH_CLIENT=192.0.2.1 40000 22\0SSH_CONNECTION=192.0.2.1 40000 198.51.100.10 22\0"
                            "TERM=xterm\0"s;
  EXPECT_EQ(SshConnectionFromEnviron(image), "192.0.2.1 40000 198.51.100.10 22");
  EXPECT_EQ(SshConnectionFromEnviron("SSH_CONNECTION=a b c d"s), "a b c d") << "last entry without its NUL";
  EXPECT_EQ(SshConnectionFromEnviron("HOME=/root\0XSSH_CONNECTION=1 2 3 4\0"s), std::nullopt);
  EXPECT_EQ(SshConnectionFromEnviron("HOME=/root\0MY=SSH_CONNECTION=1 2 3 4\0"s), std::nullopt);
  EXPECT_EQ(SshConnectionFromEnviron(""), std::nullopt);
  EXPECT_EQ(SshConnectionFromEnviron("\0\0\0"s), std::nullopt);
}

TEST(CtlSessionAddressTest, ParentPidOfAStatLine) {
  EXPECT_EQ(ParentPidFromStat("4242 (bash) S 4100 4242 4242 34816 0"), 4100);
  EXPECT_EQ(ParentPidFromStat("4242 (my (odd) name) ) R 77 1 1"), 77) << "the command name may hold ')' and spaces";
  EXPECT_EQ(ParentPidFromStat("1 (systemd) S 0 1 1"), 0);
  EXPECT_EQ(ParentPidFromStat("4242 bash S 4100"), std::nullopt);
  EXPECT_EQ(ParentPidFromStat("4242 (bash) S"), std::nullopt);
  EXPECT_EQ(ParentPidFromStat(""), std::nullopt);
}

TEST(SessionFromSshConnection, ClientServerAndPort) {
  const auto session = SessionFromSshConnection("203.0.113.7 51234 192.0.2.10 2222");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->server, "192.0.2.10");
  EXPECT_EQ(session->client, "203.0.113.7");
  EXPECT_EQ(session->port, 2222);
  const auto odd = SessionFromSshConnection("somewhere 1 2001:db8::10%eth0 x");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->server, "2001:db8::10");
  EXPECT_EQ(odd->client, "");  // not an address: unknown
  EXPECT_EQ(odd->port, 0);     // not a number: unknown
  EXPECT_FALSE(SessionFromSshConnection("192.0.2.10 22"));
}

}  // namespace
}  // namespace failoverd
