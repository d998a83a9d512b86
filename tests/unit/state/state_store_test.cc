#include "failoverd/state/state_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "fakes/temp_dir.h"

namespace failoverd {
namespace {

MacAddress Mac(const char* text) { return *MacAddress::Parse(text); }

const MacAddress kA = Mac("02:00:00:00:00:0a");
const MacAddress kB = Mac("02:00:00:00:00:0b");
const MacAddress kC = Mac("02:00:00:00:00:0c");

class StateStoreTest : public ::testing::Test {
 protected:
  std::string File() const { return dir_.path() + "/state.json"; }

  nlohmann::json ReadJson() const {
    std::ifstream in(File());
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }

  void WriteRaw(const std::string& text) const { std::ofstream(File()) << text; }

  testing::TempDir dir_;
};

TEST_F(StateStoreTest, MissingFileIsEmptyAndCorruptFileIsAnError) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  EXPECT_TRUE(store.names().empty());
  WriteRaw("{ not json");
  EXPECT_FALSE(store.Load());
  WriteRaw(R"({"version": 1, "nics": []})");
  EXPECT_FALSE(store.Load());
}

// Issue 16, point 3: the format version.
TEST_F(StateStoreTest, AFileWithoutAVersionIsReadAsFormatOneAndSavedInTheCurrentFormat) {
  WriteRaw(R"({"nics": {"02:00:00:00:00:0a": {"name": "hweth3"}}})");
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  EXPECT_EQ(store.names().at(kA), "hweth3");
  EXPECT_TRUE(store.SetNetwork(kA, "eth0"));
  ASSERT_TRUE(store.Save());
  EXPECT_EQ(ReadJson()["version"], StateStore::kFormat);
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["name"], "hweth3");
}

TEST_F(StateStoreTest, AVersionThatIsNoFormatNumberIsCorrupt) {
  StateStore store(dir_.path());
  for (const char* version : {R"("1")", "0", "-3", "1.5", "null", "[]"}) {
    WriteRaw(std::string(R"({"version": )") + version + R"(, "nics": {}})");
    const Status loaded = store.Load();
    ASSERT_FALSE(loaded) << version;
    EXPECT_NE(loaded.message().find("'version' is not a format number"), std::string::npos) << loaded.message();
    EXPECT_EQ(store.written_by_newer(), 0) << version;
  }
}

TEST_F(StateStoreTest, AFileOfANewerFormatIsRefusedAndNeverWritten) {
  const std::string newer = R"({"version": 3, "nics": {"02:00:00:00:00:0a": {"name": "hweth3"}}, "x": 1})";
  WriteRaw(newer);
  StateStore store(dir_.path());
  const Status loaded = store.Load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.message(), File() + " has format 3, written by a newer failoverd; this one reads format 2 "
                                       "and leaves the file as it is");
  EXPECT_EQ(store.written_by_newer(), 3);
  EXPECT_TRUE(store.names().empty()) << "nothing is read from it";
  // A save (which replaces a corrupt file) and an update both refuse it, and leave it.
  EXPECT_TRUE(store.SetName(kA, "hweth0"));
  const Status saved = store.Save();
  EXPECT_FALSE(saved);
  EXPECT_NE(saved.message().find("has format 3"), std::string::npos) << saved.message();
  bool changed = false;
  EXPECT_FALSE(store.Update([&](StateStore&) { changed = true; }));
  EXPECT_FALSE(changed);
  std::ifstream in(File());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), newer);
  // Once a newer failoverd is gone and the file is of a format it reads, all is as before.
  WriteRaw(R"({"version": 2, "nics": {}})");
  EXPECT_TRUE(store.Load());
  EXPECT_EQ(store.written_by_newer(), 0);
}

TEST_F(StateStoreTest, FormatOneIsMigratedItsBridgesWereMadeBeforeMarks) {
  WriteRaw(R"({"version": 1, "nics": {}, "bridges": ["eth0", "eth1"]})");
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  EXPECT_EQ(store.Section(StateStore::kMadeBeforeMarks), nlohmann::json({"eth0", "eth1"}));
  EXPECT_TRUE(store.SetSection("bridges", nlohmann::json({"eth0"})));
  ASSERT_TRUE(store.Save());
  EXPECT_EQ(ReadJson()["version"], 2);
  EXPECT_EQ(ReadJson()[StateStore::kMadeBeforeMarks], nlohmann::json({"eth0", "eth1"})) << "kept until used";
  // Once the daemon has marked them, the list goes and is not made again from "bridges".
  EXPECT_TRUE(store.SetSection(StateStore::kMadeBeforeMarks, nullptr));
  ASSERT_TRUE(store.Save());
  ASSERT_TRUE(store.Load());
  EXPECT_TRUE(store.Section(StateStore::kMadeBeforeMarks).is_null());
  // A format-2 file's bridges are not taken for old ones.
  WriteRaw(R"({"version": 2, "nics": {}, "bridges": ["eth0"]})");
  ASSERT_TRUE(store.Load());
  EXPECT_TRUE(store.Section(StateStore::kMadeBeforeMarks).is_null());
}

TEST_F(StateStoreTest, SavesNamesAndNetworksAndReadsThemBack) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  EXPECT_TRUE(store.SetName(kA, "hweth0"));
  EXPECT_FALSE(store.SetName(kA, "hweth0")) << "no change";
  EXPECT_TRUE(store.SetNetwork(kA, "eth0"));
  ASSERT_TRUE(store.Save());
  const nlohmann::json doc = ReadJson();
  EXPECT_EQ(doc["version"], StateStore::kFormat);
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["name"], "hweth0");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["network"], "eth0");

  StateStore reread(dir_.path());
  ASSERT_TRUE(reread.Load());
  EXPECT_EQ(reread.names().at(kA), "hweth0");
  EXPECT_EQ(reread.networks().at(kA), "eth0");
}

TEST_F(StateStoreTest, TextThatIsNotUtf8IsSavedWithAReplacementNotAnException) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  store.SetSection("pending_apply", {{"file", "/etc/failoverd/p\xff.toml"}});
  ASSERT_TRUE(store.Save());
  const nlohmann::json doc = ReadJson();
  ASSERT_TRUE(doc.is_object()) << "the file is valid JSON";
  EXPECT_EQ(doc["pending_apply"]["file"], "/etc/failoverd/p\xEF\xBF\xBD.toml");
  StateStore reread(dir_.path());
  EXPECT_TRUE(reread.Load());
  store.SetName(kA, "hweth0");
  EXPECT_TRUE(store.Save()) << "and the next save works too";
}

TEST_F(StateStoreTest, SaveWithoutChangesWritesNothing) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  ASSERT_TRUE(store.Save());
  EXPECT_FALSE(std::ifstream(File()).good());
}

TEST_F(StateStoreTest, TwoWritersKeepEachOthersNames) {
  StateStore daemon(dir_.path());
  StateStore helper(dir_.path());
  ASSERT_TRUE(daemon.Load());
  ASSERT_TRUE(helper.Load());
  daemon.SetName(kA, "hweth0");
  daemon.SetNetwork(kA, "eth0");
  helper.SetName(kB, "hweth1");
  ASSERT_TRUE(daemon.Save());
  ASSERT_TRUE(helper.Save());  // its view is stale: it never saw A
  const nlohmann::json doc = ReadJson();
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["name"], "hweth0");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["network"], "eth0");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0b"]["name"], "hweth1");
  EXPECT_EQ(helper.names().size(), 2u) << "a save also brings in what the file held";

  // The other way round: the daemon's next save keeps the helper's name.
  daemon.SetNetwork(kA, "eth1");
  ASSERT_TRUE(daemon.Save());
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0b"]["name"], "hweth1");
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["network"], "eth1");
}

TEST_F(StateStoreTest, OwnChangeWinsForTheSameNic) {
  StateStore first(dir_.path());
  StateStore second(dir_.path());
  ASSERT_TRUE(first.Load());
  ASSERT_TRUE(second.Load());
  first.SetName(kA, "hweth0");
  first.SetNetwork(kA, "eth0");
  ASSERT_TRUE(first.Save());
  second.SetNetwork(kA, "eth1");  // only the network: the name stays the file's
  ASSERT_TRUE(second.Save());
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["name"], "hweth0");
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["network"], "eth1");
}

TEST_F(StateStoreTest, ReloadShowsOtherWritersAndKeepsUnsavedChanges) {
  StateStore daemon(dir_.path());
  StateStore helper(dir_.path());
  ASSERT_TRUE(daemon.Load());
  daemon.SetName(kA, "hweth0");
  ASSERT_TRUE(daemon.SetSection("overrides", {{"hweth0", "detached"}}));
  ASSERT_TRUE(helper.Update([](StateStore& s) { s.SetName(kB, "hweth1"); }));

  ASSERT_TRUE(daemon.Reload());
  EXPECT_EQ(daemon.names().at(kB), "hweth1") << "the helper's name is visible";
  EXPECT_EQ(daemon.names().at(kA), "hweth0") << "the unsaved name is kept";
  EXPECT_EQ(daemon.Section("overrides")["hweth0"], "detached");
  EXPECT_TRUE(daemon.TakeConflicts().empty());
  EXPECT_FALSE(ReadJson()["nics"].contains("02:00:00:00:00:0a")) << "a reload writes nothing";

  ASSERT_TRUE(daemon.Save()) << "...and the unsaved changes are still to be saved";
  const nlohmann::json doc = ReadJson();
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["name"], "hweth0");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0b"]["name"], "hweth1");
  EXPECT_EQ(doc["overrides"]["hweth0"], "detached");
}

TEST_F(StateStoreTest, ReloadOfCorruptFileFailsAndKeepsTheStore) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  store.SetName(kA, "hweth0");
  ASSERT_TRUE(store.Save());
  store.SetName(kB, "hweth1");
  WriteRaw("garbage");
  EXPECT_FALSE(store.Reload());
  EXPECT_EQ(store.names().size(), 2u);
  EXPECT_FALSE(store.Update([](StateStore&) { ADD_FAILURE() << "change must not run on a corrupt file"; }));
  EXPECT_EQ(ReadJson().is_discarded(), true) << "Update leaves a corrupt file alone";
  ASSERT_TRUE(store.Save()) << "Save replaces it (the daemon reported it when loading)";
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0b"]["name"], "hweth1");
}

TEST_F(StateStoreTest, NameTheFileGaveToAnotherNicMeanwhileIsGivenUp) {
  StateStore daemon(dir_.path());
  StateStore helper(dir_.path());
  ASSERT_TRUE(daemon.Load());
  daemon.SetName(kA, "hweth0");  // decided on a stale view
  ASSERT_TRUE(helper.Update([](StateStore& s) { s.SetName(kB, "hweth0"); }));
  ASSERT_TRUE(daemon.Save());
  const auto conflicts = daemon.TakeConflicts();
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].identity, kA);
  EXPECT_EQ(conflicts[0].name, "hweth0");
  EXPECT_EQ(conflicts[0].holder, kB);
  EXPECT_TRUE(daemon.TakeConflicts().empty()) << "taken once";
  EXPECT_EQ(daemon.names().count(kA), 0u);
  EXPECT_EQ(daemon.names().at(kB), "hweth0");
  const nlohmann::json doc = ReadJson();
  EXPECT_FALSE(doc["nics"].contains("02:00:00:00:00:0a"));
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0b"]["name"], "hweth0");

  // Deciding again with the file's names: no conflict.
  daemon.SetName(kA, "hweth1");
  ASSERT_TRUE(daemon.Save());
  EXPECT_TRUE(daemon.TakeConflicts().empty());
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["name"], "hweth1");
}

TEST_F(StateStoreTest, ReloadGivesUpAnUnsavedNameTheFileGaveToAnotherNic) {
  StateStore daemon(dir_.path());
  StateStore helper(dir_.path());
  ASSERT_TRUE(daemon.Load());
  daemon.SetName(kA, "hweth0");
  daemon.SetNetwork(kA, "eth0");
  ASSERT_TRUE(helper.Update([](StateStore& s) { s.SetName(kB, "hweth0"); }));
  ASSERT_TRUE(daemon.Reload());
  EXPECT_EQ(daemon.names().at(kB), "hweth0");
  EXPECT_EQ(daemon.names().count(kA), 0u);
  EXPECT_EQ(daemon.networks().at(kA), "eth0") << "only the name is given up";
  EXPECT_EQ(daemon.TakeConflicts().size(), 1u);
}

TEST_F(StateStoreTest, NamesMovedBetweenOwnNicsAreNoConflict) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  store.SetName(kA, "hweth0");
  store.SetName(kB, "hweth1");
  ASSERT_TRUE(store.Save());
  store.SetName(kA, "hweth1");  // a swap decided here
  store.SetName(kB, "hweth0");
  ASSERT_TRUE(store.Save());
  EXPECT_TRUE(store.TakeConflicts().empty());
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0a"]["name"], "hweth1");
  EXPECT_EQ(ReadJson()["nics"]["02:00:00:00:00:0b"]["name"], "hweth0");
}

TEST_F(StateStoreTest, SectionsAreKeptAndMergedPerKey) {
  StateStore overrides(dir_.path());
  StateStore bridges(dir_.path());
  ASSERT_TRUE(overrides.Load());
  ASSERT_TRUE(bridges.Load());
  EXPECT_TRUE(overrides.Section("overrides").is_null());
  EXPECT_TRUE(overrides.SetSection("overrides", {{"hweth1", "isolated"}}));
  EXPECT_FALSE(overrides.SetSection("overrides", {{"hweth1", "isolated"}})) << "no change";
  EXPECT_FALSE(overrides.SetSection("nics", nlohmann::json::object())) << "reserved";
  EXPECT_FALSE(overrides.SetSection("version", 7)) << "reserved";
  EXPECT_TRUE(overrides.Section("nics").is_null()) << "reserved keys are not sections";
  EXPECT_TRUE(bridges.SetSection("managed_bridges", nlohmann::json::parse(R"(["eth0"])")));
  ASSERT_TRUE(overrides.Save());
  ASSERT_TRUE(bridges.Save());
  nlohmann::json doc = ReadJson();
  EXPECT_EQ(doc["overrides"]["hweth1"], "isolated");
  EXPECT_EQ(doc["managed_bridges"], nlohmann::json::parse(R"(["eth0"])"));
  EXPECT_EQ(doc["version"], StateStore::kFormat);

  // A section this store set wins as a whole; null removes it.
  EXPECT_TRUE(bridges.SetSection("overrides", {{"hweth2", "detached"}}));
  ASSERT_TRUE(bridges.Save());
  EXPECT_EQ(ReadJson()["overrides"], nlohmann::json({{"hweth2", "detached"}}));
  ASSERT_TRUE(overrides.Reload());
  EXPECT_EQ(overrides.Section("overrides"), nlohmann::json({{"hweth2", "detached"}}));
  EXPECT_TRUE(overrides.SetSection("managed_bridges", nullptr));
  ASSERT_TRUE(overrides.Save());
  doc = ReadJson();
  EXPECT_FALSE(doc.contains("managed_bridges"));
  EXPECT_EQ(doc["overrides"], nlohmann::json({{"hweth2", "detached"}}));
}

TEST_F(StateStoreTest, UnknownKeysAndFieldsArePreserved) {
  WriteRaw(R"({"version": 1, "written_by": {"tool": "x"},
               "nics": {"02:00:00:00:00:0A": {"name": "hweth0", "note": "rack 3"},
                        "not-a-mac": {"name": "weird"}}})");
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  EXPECT_EQ(store.names().at(kA), "hweth0") << "upper-case MAC keys are read";
  EXPECT_EQ(store.Section("written_by")["tool"], "x") << "an unknown key reads as a section";
  store.SetNetwork(kA, "eth0");
  store.SetName(kC, "hweth2");
  ASSERT_TRUE(store.Save());
  const nlohmann::json doc = ReadJson();
  EXPECT_EQ(doc["written_by"]["tool"], "x");
  EXPECT_EQ(doc["nics"]["not-a-mac"]["name"], "weird");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["note"], "rack 3");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["name"], "hweth0");
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0a"]["network"], "eth0");
  EXPECT_FALSE(doc["nics"].contains("02:00:00:00:00:0A")) << "one entry per NIC";
  EXPECT_EQ(doc["nics"]["02:00:00:00:00:0c"]["name"], "hweth2");
}

TEST_F(StateStoreTest, LoadForgetsUnsavedChanges) {
  StateStore store(dir_.path());
  ASSERT_TRUE(store.Load());
  store.SetName(kA, "hweth0");
  ASSERT_TRUE(store.Load());
  EXPECT_TRUE(store.names().empty());
  ASSERT_TRUE(store.Save());
  EXPECT_FALSE(std::ifstream(File()).good());
}

TEST_F(StateStoreTest, SaveCreatesTheStateDirectory) {
  StateStore store(dir_.path() + "/var/lib/failoverd");
  ASSERT_TRUE(store.Load());
  store.SetName(kA, "hweth0");
  ASSERT_TRUE(store.Save());
  EXPECT_TRUE(std::ifstream(dir_.path() + "/var/lib/failoverd/state.json").good());
}

// The lock: writers that choose from what the file holds never choose alike. Each
// thread has its own StateStore and so its own lock file description, which flock
// treats like another process.
TEST_F(StateStoreTest, ConcurrentUpdatesNeverHandOutOneNameTwice) {
  constexpr int kWriters = 8;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([this, i] {
      StateStore store(dir_.path());
      const MacAddress identity = Mac(("02:00:00:00:01:" + std::to_string(10 + i)).c_str());
      const Status done = store.Update([&](StateStore& s) {
        std::set<std::string> taken;
        for (const auto& [mac, name] : s.names()) taken.insert(name);
        int n = 0;
        while (taken.count("hweth" + std::to_string(n))) ++n;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // widen the window
        s.SetName(identity, "hweth" + std::to_string(n));
      });
      EXPECT_TRUE(done) << done.message();
    });
  }
  for (auto& writer : writers) writer.join();
  std::set<std::string> names;
  const nlohmann::json doc = ReadJson();
  for (const auto& [mac, entry] : doc["nics"].items()) names.insert(entry["name"].get<std::string>());
  EXPECT_EQ(names.size(), static_cast<size_t>(kWriters));
  EXPECT_TRUE(names.count("hweth0") && names.count("hweth7"));
}

TEST_F(StateStoreTest, ForgetNamesRemovesThemFromTheFileAndKeepsEverythingElse) {
  StateStore daemon(dir_.path());
  ASSERT_TRUE(daemon.Load());
  daemon.SetName(kA, "hweth0");
  daemon.SetName(kB, "hweth1");
  daemon.SetNetwork(kB, "eth0");
  daemon.SetSection("overrides", {{"isolated", {"eth1"}}});
  ASSERT_TRUE(daemon.Save());

  StateStore migration(dir_.path());
  ASSERT_TRUE(migration.Load());
  migration.SetSection("migration_declined", {{"why", "not confirmed"}});
  ASSERT_TRUE(migration.ForgetNames({kA, kB, kC}));
  const nlohmann::json file = ReadJson();
  EXPECT_FALSE(file["nics"].contains(kA.ToString()));           // nothing left of it
  EXPECT_FALSE(file["nics"][kB.ToString()].contains("name"));   // the name goes,
  EXPECT_EQ(file["nics"][kB.ToString()]["network"], "eth0");    // the network stays
  EXPECT_EQ(file["overrides"]["isolated"][0], "eth1");
  EXPECT_EQ(file["migration_declined"]["why"], "not confirmed");  // saved in the same write
  EXPECT_TRUE(migration.names().empty());
}

}  // namespace
}  // namespace failoverd
