#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <string>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

std::string ParseError(const std::string& text) {
  Result<ZoneFragment> zone = ParseZone(text, "z", "zones/z.nft");
  EXPECT_FALSE(zone.ok()) << "parsed: " << text;
  return zone.message();
}

TEST(ZoneParserTest, ReadsBlocksCommentsAndBlankLines) {
  Result<ZoneFragment> zone = ParseZone(
      "# a comment\n"
      "\n"
      "input {\n"
      "  tcp dport 22 accept   # ssh\n"
      "\tmeta l4proto icmp accept\n"
      "}\n"
      "forward{\n"
      "  drop\n"
      "}  # end\n",
      "lan", "zones/lan.nft");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->name, "lan");
  EXPECT_EQ(zone->path, "zones/lan.nft");
  EXPECT_EQ(zone->input_rules,
            (std::vector<std::string>{"tcp dport 22 accept", "meta l4proto icmp accept"}));
  EXPECT_EQ(zone->forward_rules, (std::vector<std::string>{"drop"}));
}

TEST(ZoneParserTest, EmptyTextIsAZoneWithoutRules) {
  Result<ZoneFragment> zone = ParseZone("", "empty", "empty.nft");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_TRUE(zone->input_rules.empty());
  EXPECT_TRUE(zone->forward_rules.empty());
}

TEST(ZoneParserTest, QuotedTextMayHoldHashSemicolonAndBraces) {
  Result<ZoneFragment> zone =
      ParseZone("input {\n  tcp dport 22 log prefix \"ssh #1; {x}\" accept\n}\n", "z", "z.nft");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules,
            (std::vector<std::string>{"tcp dport 22 log prefix \"ssh #1; {x}\" accept"}));
}

TEST(ZoneParserTest, CrLfLineEndsAreAccepted) {
  Result<ZoneFragment> zone = ParseZone("input {\r\n  accept\r\n}\r\n", "z", "z.nft");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules, (std::vector<std::string>{"accept"}));
}

TEST(ZoneParserTest, UnknownBlock) {
  EXPECT_EQ(ParseError("\n  output {\n    accept\n  }\n"),
            "zones/z.nft:2:3: unknown block 'output' (expected 'input' or 'forward')");
}

TEST(ZoneParserTest, TextOutsideABlock) {
  EXPECT_EQ(ParseError("input {\n}\n   tcp dport 22 accept\n"),
            "zones/z.nft:3:4: text outside a block: rules belong in 'input { ... }' or "
            "'forward { ... }'");
}

TEST(ZoneParserTest, BlockWordWithoutBrace) {
  EXPECT_EQ(ParseError("input\n"), "zones/z.nft:1:6: expected '{' after 'input' on the same line");
}

TEST(ZoneParserTest, RuleOnTheBraceLine) {
  EXPECT_EQ(ParseError("input { accept }\n"),
            "zones/z.nft:1:9: '{' must end its line: put each rule on a line of its own");
}

TEST(ZoneParserTest, UnclosedBlockIsReportedAtItsBrace) {
  EXPECT_EQ(ParseError("# x\ninput  {\n  accept\n"),
            "zones/z.nft:2:8: '{' of block 'input' is never closed");
}

TEST(ZoneParserTest, StrayClosingBrace) {
  EXPECT_EQ(ParseError("input {\n}\n  }\n"), "zones/z.nft:3:3: '}' without a matching '{'");
}

TEST(ZoneParserTest, NestedBlock) {
  EXPECT_EQ(ParseError("input {\n  forward {\n  }\n}\n"),
            "zones/z.nft:2:3: blocks cannot be nested: 'forward' inside 'input'");
}

TEST(ZoneParserTest, DuplicateBlock) {
  EXPECT_EQ(ParseError("input {\n}\ninput {\n}\n"),
            "zones/z.nft:3:1: block 'input' appears twice (first on line 1)");
}

TEST(ZoneParserTest, SemicolonInRule) {
  EXPECT_EQ(ParseError("input {\n  tcp dport 22 accept; drop\n}\n"),
            "zones/z.nft:2:22: ';' is not allowed in a rule: one statement per line");
}

TEST(ZoneParserTest, BracesInRule) {
  EXPECT_EQ(ParseError("forward {\n  tcp dport { 22, 80 } accept\n}\n"),
            "zones/z.nft:2:13: '{' is not allowed in a rule (no braces in zone rules)");
  EXPECT_EQ(ParseError("forward {\n  accept }\n}\n"),
            "zones/z.nft:2:10: '}' is not allowed in a rule (no braces in zone rules)");
}

TEST(ZoneParserTest, ForbiddenWordsInRule) {
  EXPECT_EQ(ParseError("input {\n  flush ruleset\n}\n"),
            "zones/z.nft:2:3: 'flush' is not allowed in a zone rule");
  EXPECT_EQ(ParseError("input {\n\tdelete table inet failoverd\n}\n"),
            "zones/z.nft:2:2: 'delete' is not allowed in a zone rule");
  EXPECT_EQ(ParseError("input {\n  accept table\n}\n"),
            "zones/z.nft:2:10: 'table' is not allowed in a zone rule");
  EXPECT_EQ(ParseError("forward {\n  chain x\n}\n"),
            "zones/z.nft:2:3: 'chain' is not allowed in a zone rule");
}

TEST(ZoneParserTest, ForbiddenWordsInsideStringsAreText) {
  Result<ZoneFragment> zone =
      ParseZone("input {\n  log prefix \"flush table\" accept\n}\n", "z", "z.nft");
  EXPECT_TRUE(zone.ok()) << zone.message();
}

TEST(ZoneParserTest, UnterminatedString) {
  EXPECT_EQ(ParseError("input {\n  log prefix \"oops accept\n}\n"),
            "zones/z.nft:2:14: unterminated string");
}

TEST(ZoneParserTest, ReportsEveryProblemOnePerLine) {
  EXPECT_EQ(ParseError("accept\ninput {\n  a; b\n}\nbogus {\n  x\n}\n"),
            "zones/z.nft:1:1: text outside a block: rules belong in 'input { ... }' or "
            "'forward { ... }'\n"
            "zones/z.nft:3:4: ';' is not allowed in a rule: one statement per line\n"
            "zones/z.nft:5:1: unknown block 'bogus' (expected 'input' or 'forward')");
}

TEST(ZoneParserTest, MissingFileNamesPathZoneAndReason) {
  Result<ZoneFragment> zone = LoadZone("/nonexistent/zones/", "office");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.message(),
            "/nonexistent/zones/office.nft: cannot read zone 'office': No such file or directory");
}

TEST(ZoneParserTest, MissingShippedZoneFallsBackToTheBuiltInCopy) {
  Result<ZoneFragment> builtin = LoadZone("/nonexistent/zones/", "lan");
  ASSERT_TRUE(builtin.ok()) << builtin.message();
  EXPECT_EQ(builtin->path, "(built-in)/lan.nft");
  Result<ZoneFragment> shipped = LoadZone(FAILOVERD_SOURCE_DIR "/firewall/zones", "lan");
  ASSERT_TRUE(shipped.ok()) << shipped.message();
  EXPECT_EQ(builtin->input_rules, shipped->input_rules);
  EXPECT_EQ(builtin->forward_rules, shipped->forward_rules);
  EXPECT_FALSE(builtin->input_rules.empty());
}

TEST(ZoneParserTest, FileInZonesDirWinsOverTheBuiltInCopy) {
  char dir[] = "/tmp/fod-zones-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/lan.nft";
  {
    std::ofstream out(path);
    out << "input {\n  tcp dport 2222 accept\n}\n";
  }
  Result<ZoneFragment> zone = LoadZone(dir, "lan");
  std::remove(path.c_str());
  rmdir(dir);
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->input_rules, std::vector<std::string>{"tcp dport 2222 accept"});
}

TEST(ZoneParserTest, ZoneNamesAreChecked) {
  EXPECT_TRUE(CheckZoneName("my_zone-2").ok());
  EXPECT_FALSE(CheckZoneName("").ok());
  EXPECT_FALSE(CheckZoneName("../etc/passwd").ok());
  EXPECT_FALSE(CheckZoneName("a.b").ok());
  Result<ZoneFragment> zone = LoadZone("/nonexistent", "a/b");
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.message().find("invalid zone name 'a/b'"), std::string::npos) << zone.message();
}

}  // namespace
}  // namespace failoverd::firewall
