// A zone rule nftables refuses is reported at the zone file's line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_firewall.h"
#include "firewall/zone_check.h"

namespace failoverd::firewall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ZoneCheckTest, ColumnOfTheCaretsWithinTheRule) {
  const std::string prefix = "add rule t c ";
  const std::string error =
      "Error: syntax error, unexpected string\nadd rule t c tcp dprt 22 accept\n                 ^^^^\n";
  EXPECT_EQ(ErrorColumnInRule(error, prefix, "tcp dprt 22 accept"), 5);
  // Marks outside the rule, or none at all: the rule's start.
  EXPECT_EQ(ErrorColumnInRule("Error: x\nadd rule t c accept\n^^^\n", prefix, "accept"), 1);
  EXPECT_EQ(ErrorColumnInRule("Error: Could not process rule: No such file", prefix, "accept"), 1);
}

TEST(ZoneCheckTest, Headline) {
  EXPECT_EQ(ErrorHeadline("Error: syntax error, unexpected string\nline\n ^^"), "syntax error, unexpected string");
  EXPECT_EQ(ErrorHeadline("/dev/stdin:3:24-27: Error: bad thing\n"), "bad thing");
  EXPECT_EQ(ErrorHeadline("something else"), "something else");
}

ZoneFragment TwoRuleZone() {
  auto zone = ParseZone("input {\n  tcp dport 22 accept\n    tcp dprt 80 accept\n}\nforward {\n\tbogus\n}\n", "web",
                        "/zones/web.nft");
  EXPECT_TRUE(zone) << zone.message();
  return *zone;
}

TEST(ZoneCheckTest, PositionsOfTheRulesAreKept) {
  const ZoneFragment zone = TwoRuleZone();
  ASSERT_EQ(zone.input_at.size(), 2u);
  EXPECT_EQ(zone.input_at[1].line, 3);
  EXPECT_EQ(zone.input_at[1].column, 5);
  ASSERT_EQ(zone.forward_at.size(), 1u);
  EXPECT_EQ(zone.forward_at[0].line, 6);
  EXPECT_EQ(zone.forward_at[0].column, 2);
}

TEST(ZoneCheckTest, AcceptedZoneHasNoErrors) {
  testing::FakeFirewall nft;
  EXPECT_THAT(CheckZoneWithNft(nft, TwoRuleZone()), IsEmpty());
  ASSERT_EQ(nft.scripts.size(), 0u) << "a check commits nothing";
}

TEST(ZoneCheckTest, EachRefusedRuleIsNamedAtItsPlace) {
  testing::FakeFirewall nft;
  nft.RefuseChecksContaining({"dprt", "bogus"});
  EXPECT_THAT(CheckZoneWithNft(nft, TwoRuleZone()),
              ElementsAre("/zones/web.nft:3:5: nftables: injected refusal in 'tcp dprt 80 accept'",
                          "/zones/web.nft:6:2: nftables: injected refusal in 'bogus'"));
}

ZoneFragment OneRuleZone(const std::string& name, const std::string& rule) {
  auto zone = ParseZone("input {\n  " + rule + "\n}\n", name, "/zones/" + name + ".nft");
  EXPECT_TRUE(zone) << zone.message();
  return *zone;
}

TEST(ZoneCheckTest, ZonesThatPassAreCheckedInOneDryRun) {
  testing::FakeFirewall nft;
  const ZoneFragment ssh = OneRuleZone("ssh", "tcp dport 22 accept");
  const ZoneFragment web = OneRuleZone("web", "tcp dport 80 accept");
  EXPECT_THAT(CheckZonesWithNft(nft, {&ssh, &web}), IsEmpty());
  EXPECT_EQ(nft.checks, 1);
  EXPECT_EQ(nft.scripts.size(), 0u) << "a check commits nothing";
}

TEST(ZoneCheckTest, ARefusedZoneAmongSeveralIsNamedAlone) {
  testing::FakeFirewall nft;
  nft.RefuseChecksContaining({"dprt"});
  const ZoneFragment ssh = OneRuleZone("ssh", "tcp dport 22 accept");
  const ZoneFragment web = OneRuleZone("web", "tcp dprt 80 accept");
  EXPECT_THAT(CheckZonesWithNft(nft, {&ssh, &web}),
              ElementsAre("/zones/web.nft:2:3: nftables: injected refusal in 'tcp dprt 80 accept'"));
}

}  // namespace
}  // namespace failoverd::firewall
