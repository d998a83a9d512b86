#include "failoverd/control/control_protocol.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace failoverd {
namespace {

using ::nlohmann::json;

TEST(ControlProtocolTest, ParsesSingleWord) {
  auto request = ParseRequest("status\n");
  ASSERT_TRUE(request.ok()) << request.message();
  EXPECT_EQ(request->words, (std::vector<std::string>{"status"}));
}

TEST(ControlProtocolTest, ParsesWordsWithoutNewline) {
  auto request = ParseRequest("attach hweth1 eth0");
  ASSERT_TRUE(request.ok()) << request.message();
  EXPECT_EQ(request->words, (std::vector<std::string>{"attach", "hweth1", "eth0"}));
}

TEST(ControlProtocolTest, RejectsEmptyLine) {
  EXPECT_FALSE(ParseRequest("").ok());
  EXPECT_FALSE(ParseRequest("\n").ok());
}

TEST(ControlProtocolTest, RejectsDoubleLeadingAndTrailingSpaces) {
  EXPECT_FALSE(ParseRequest("attach  hweth1").ok());
  EXPECT_FALSE(ParseRequest(" status").ok());
  EXPECT_FALSE(ParseRequest("status \n").ok());
}

TEST(ControlProtocolTest, RejectsControlCharacters) {
  EXPECT_FALSE(ParseRequest("status\r\n").ok());
  EXPECT_FALSE(ParseRequest("probe hw\teth1").ok());
  EXPECT_FALSE(ParseRequest("status\nreload\n").ok());
}

TEST(ControlProtocolTest, LimitCountsTheNewline) {
  const std::string longest(kMaxRequestBytes - 1, 'x');
  EXPECT_TRUE(ParseRequest(longest + "\n").ok());
  auto too_long = ParseRequest(longest + "x\n");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.message(), "request longer than 4096 bytes");
}

TEST(ControlProtocolTest, FormatRequestRoundTrips) {
  const std::vector<std::string> words = {"apply", "/etc/failoverd/new.toml", "120"};
  const std::string line = FormatRequest(words);
  EXPECT_EQ(line, "apply /etc/failoverd/new.toml 120\n");
  auto parsed = ParseRequest(line);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->words, words);
}

TEST(ControlProtocolTest, ValidWords) {
  EXPECT_TRUE(IsValidWord("hweth1"));
  EXPECT_TRUE(IsValidWord("/tmp/p\xc3\xa4th.toml"));
  EXPECT_FALSE(IsValidWord(""));
  EXPECT_FALSE(IsValidWord("a b"));
  EXPECT_FALSE(IsValidWord("a\nb"));
}

TEST(ControlProtocolTest, FormatsOkWithOkFirst) {
  EXPECT_EQ(FormatOk(json{{"message", "done"}}),
            "{\"ok\":true,\"result\":{\"message\":\"done\"}}\n");
  EXPECT_EQ(FormatOk(nullptr), "{\"ok\":true,\"result\":null}\n");
}

TEST(ControlProtocolTest, FormatsErrorEscaped) {
  const std::string line = FormatError("policy.toml:3:1: unknown key \"x\"\nsecond");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
  const json parsed = json::parse(line);
  EXPECT_EQ(parsed["ok"], false);
  EXPECT_EQ(parsed["error"], "policy.toml:3:1: unknown key \"x\"\nsecond");
  EXPECT_EQ(line.rfind("{\"ok\":false,\"error\":", 0), 0u);
}

TEST(ControlProtocolTest, FormatReplyPicksTheEnvelope) {
  EXPECT_EQ(FormatReply(Reply::Ok(json::array({1, 2}))), "{\"ok\":true,\"result\":[1,2]}\n");
  EXPECT_EQ(FormatReply(Reply::Error("no such NIC hweth9")),
            "{\"ok\":false,\"error\":\"no such NIC hweth9\"}\n");
}

TEST(ControlProtocolTest, FormatsEventLine) {
  EXPECT_EQ(FormatEvent(json{{"kind", "role"}}), "{\"event\":{\"kind\":\"role\"}}\n");
}

TEST(ControlProtocolTest, InvalidUtf8DoesNotThrow) {
  std::string line;
  EXPECT_NO_THROW(line = FormatOk(json{{"lldp", std::string("core\xff-sw")}}));
  EXPECT_TRUE(json::accept(line));
}

}  // namespace
}  // namespace failoverd
