// Inputs tests/fuzz/zone_fuzz.cc found. A rule is emitted into a script that
// libnftables reads as a C string: a NUL inside a rule (even inside quotes)
// would cut off the rest of the script, so control characters are refused.
#include <gtest/gtest.h>

#include <string>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

// The text of a literal, NUL bytes included.
template <size_t N>
std::string Text(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

TEST(ZoneFuzzRegressionTest, NulInARuleIsRefused) {
  const std::string text = Text("input {\n\ttcp dport 22 accept\0 oops\n}\n");
  const auto zone = ParseZone(text, "z", "z.nft");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.message(), "z.nft:2:21: control character 0x00 is not allowed in a rule");
}

TEST(ZoneFuzzRegressionTest, NulInsideQuotesIsRefusedToo) {
  const std::string text = Text("input {\n\tmeta comment \"a\0b\" accept\n}\n");
  const auto zone = ParseZone(text, "z", "z.nft");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.message(), "z.nft:2:17: control character 0x00 is not allowed in a rule");
}

TEST(ZoneFuzzRegressionTest, TabsAndNulInCommentsStayAllowed) {
  const std::string text = Text("input {\n\ttcp\tdport 22 accept # a\0b\n}\n");
  const auto zone = ParseZone(text, "z", "z.nft");
  ASSERT_TRUE(zone.ok()) << zone.message();
  ASSERT_EQ(zone->input_rules.size(), 1u);
  EXPECT_EQ(zone->input_rules[0], "tcp\tdport 22 accept");
}

}  // namespace
}  // namespace failoverd::firewall
