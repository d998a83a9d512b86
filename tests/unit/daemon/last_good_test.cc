// The last good policy's copy: what it holds, how it is kept, and the state
// directory of a policy file too broken to parse.
#include "failoverd/daemon/last_good.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fakes/temp_dir.h"
#include "policy/policy_parser.h"

namespace failoverd {
namespace {

class LastGoodTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string PolicyText(const std::string& zone) {
    return "[daemon]\nzones_dir = \"" + dir_.path() + "\"\n[[bridge]]\nname = \"eth0\"\nzone = \"" + zone +
           "\"\n[[interface]]\nname = \"wg0\"\nzone = \"trusted\"\n";
  }
  policy::Policy Parse(const std::string& path) { return *policy::ParsePolicyFile(path).policy; }

  testing::TempDir dir_;
};

TEST_F(LastGoodTest, CopyHoldsThePolicyAndEveryZoneItUses) {
  Write("web.nft", "input {\n  tcp dport 80 accept\n}\n");
  const std::string file = Write("policy.toml", PolicyText("web"));
  auto copy = CopyPolicy(file, Parse(file));
  ASSERT_TRUE(copy) << copy.message();
  EXPECT_EQ(copy->text, PolicyText("web"));
  EXPECT_EQ(copy->zones.at("eth0").name, "web");
  EXPECT_EQ(copy->zones.at("eth0").text, "input {\n  tcp dport 80 accept\n}\n");
  EXPECT_EQ(copy->zones.at("wg0").name, "trusted");  // built in: no file in zones_dir
  EXPECT_NE(copy->zones.at("wg0").text.find("accept"), std::string::npos);
}

TEST_F(LastGoodTest, FingerprintChangesWithThePolicyOrAZone) {
  Write("web.nft", "input {\n  tcp dport 80 accept\n}\n");
  const std::string file = Write("policy.toml", PolicyText("web"));
  const std::string before = CopyPolicy(file, Parse(file))->Fingerprint();
  EXPECT_EQ(CopyPolicy(file, Parse(file))->Fingerprint(), before);
  Write("web.nft", "input {\n  tcp dport 81 accept\n}\n");
  const std::string zone_edited = CopyPolicy(file, Parse(file))->Fingerprint();
  EXPECT_NE(zone_edited, before);
  Write("policy.toml", PolicyText("web") + "# a comment\n");
  EXPECT_NE(CopyPolicy(file, Parse(file))->Fingerprint(), zone_edited);
  EXPECT_EQ(before.size(), 16u);
}

TEST_F(LastGoodTest, SavedAndLoadedAndRestoredWithoutTheFiles) {
  Write("web.nft", "input {\n  tcp dport 80 accept\n}\n");
  const std::string file = Write("policy.toml", PolicyText("web"));
  const auto copy = *CopyPolicy(file, Parse(file));
  const LastGood last_good(dir_.path());
  auto none = last_good.Load();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(last_good.Save(copy, std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))));
  auto loaded = last_good.Load();
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->copy, copy);
  EXPECT_EQ((*loaded)->saved_at, "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(std::filesystem::status(last_good.path()).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  // The zone file goes; the copy still has it.
  std::filesystem::remove(dir_.path() + "/web.nft");
  auto restored = Restore((*loaded)->copy, last_good.path());
  ASSERT_TRUE(restored) << restored.message();
  EXPECT_EQ(restored->policy.bridges.at(0).name, "eth0");
  EXPECT_EQ(restored->zones.at("eth0").input_rules, std::vector<std::string>{"tcp dport 80 accept"});
}

TEST_F(LastGoodTest, UnreadableFileIsAnError) {
  Write("last-good.json", "{ not json");
  EXPECT_FALSE(LastGood(dir_.path()).Load());
}

TEST_F(LastGoodTest, StateDirOfABrokenPolicy) {
  EXPECT_EQ(StateDirOfBrokenPolicy(Write("a.toml", "[daemon]\nstate_dir = \"/srv/fod\"  # here\n[[bridge]\nname =")),
            "/srv/fod");
  // Only in [daemon], only absolute, else the default.
  EXPECT_EQ(StateDirOfBrokenPolicy(Write("b.toml", "[nics]\nstate_dir = \"/x\"\n")), "/var/lib/failoverd");
  EXPECT_EQ(StateDirOfBrokenPolicy(Write("c.toml", "[daemon]\nstate_dir = \"rel\"\n")), "/var/lib/failoverd");
  EXPECT_EQ(StateDirOfBrokenPolicy(dir_.path() + "/missing.toml"), "/var/lib/failoverd");
}

}  // namespace
}  // namespace failoverd
