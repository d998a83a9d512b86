// Inputs tests/fuzz/policy_fuzz.cc found. toml++ 3.3 runs into undefined
// behaviour (__builtin_unreachable) when it asks whether a non-ASCII character
// below U+049A is whitespace (marzer/tomlplusplus#190, #295); the parser now
// reports such characters itself before toml++ reads the text.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy_parser.h"

namespace failoverd::policy {
namespace {

TEST(PolicyFuzzRegressionTest, NonAsciiWhereWhitespaceMayStandIsAnError) {
  // The fuzzer's input: U+046D at the start of the document.
  const std::string found("\xd1\xad\x05\x00``\x00\x00\r", 9);
  ParseResult result = ParsePolicyText(found, "p.toml");
  EXPECT_FALSE(result.policy);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "p.toml:1:1: non-ASCII character outside a string or comment");

  result = ParsePolicyText("[daemon]\n  \xc3\xa9 = 1\n", "p.toml");  // é after indentation
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "p.toml:2:3: non-ASCII character outside a string or comment");
}

TEST(PolicyFuzzRegressionTest, NonAsciiAfterAQuoteThatOpensNoStringIsAnError) {
  // The fuzzer's input: a quote after '-' opens no string for toml++, which looked at the
  // U+03CA after it while reporting the error.
  const std::string found(
      "# A lyone \ninclude = [-\"kin`:\xcf\x8a\x12\x00""0`\x00\x00[requge]].9e  hol\n", 55);
  ParseResult result = ParsePolicyText(found, "p.toml");
  EXPECT_FALSE(result.policy);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "p.toml:2:19: non-ASCII character outside a string or comment");
  // Strings where TOML has them still carry any character.
  result = ParsePolicyText(
      "[daemon]\ncontrol_group = \"\xc3\xa9quipe\"\n\"quoted key \xc3\xa9\" = 1\n[nics]\nexclude = [\n  \"\xc3\xa9\",\n"
      "  '\xc3\xa9'\n]\n",
      "p.toml");
  for (const auto& error : result.errors)
    EXPECT_EQ(error.ToString().find("non-ASCII"), std::string::npos) << error.ToString();
}

TEST(PolicyFuzzRegressionTest, NonAsciiAfterLineEndingBackslashIsAnError) {
  // The case of tomlplusplus#190: U+00A7 first on the line after a line-ending backslash.
  ParseResult result = ParsePolicyText("[daemon]\nstate_dir = \"\"\"\\\n\xc2\xa7\"\"\"\n", "p.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].ToString(), "p.toml:3:1: non-ASCII character outside a string or comment");
}

TEST(PolicyFuzzRegressionTest, NonAsciiInCommentsAndStringsIsStillRead) {
  const ParseResult result = ParsePolicyText(
      "# Z\xc3\xbcrich office \xe2\x80\x94 \"quoted\" 'too'\n"
      "[daemon]  # \xc3\xa9\n"
      "state_dir = \"/var/lib/failoverd\"  # \xc2\xa7\n"
      "[[bridge]]\n"
      "name = \"eth0\"\n"
      "zone = '''lan'''\n",
      "p.toml");
  EXPECT_TRUE(result.errors.empty()) << result.errors[0].ToString();
  ASSERT_TRUE(result.policy);
  EXPECT_EQ(result.policy->daemon.state_dir, "/var/lib/failoverd");
}

}  // namespace
}  // namespace failoverd::policy
