// state.json is never waited for (issue 15) and nothing is lost when it cannot be
// written (issue 16): with state.lock held by another process the daemon goes on at
// once, keeps the save due, says so (reply, status, events, metrics) and writes it as
// soon as it can.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "failoverd/daemon/daemon.h"
#include "failoverd/runtime/atomic_file.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

using failoverd::testing::kMacA;
using failoverd::testing::kMacB;

class StateSaveTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    kernel_.AddNic("ens1", kMacA);
    kernel_.AddNic("ens2", kMacB);
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {kMacA, kMacB}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
  }
  void TearDown() override { ReleaseLock(); }
  // Another process's `flock state.lock ...`: an open file description of its own.
  void HoldLock() {
    lock_fd_ = open((state_dir_ + "/state.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(lock_fd_, 0);
    ASSERT_EQ(flock(lock_fd_, LOCK_EX), 0);
  }
  void ReleaseLock() {
    if (lock_fd_ >= 0) close(lock_fd_);
    lock_fd_ = -1;
  }
  std::string StateText() const { return ReadWholeFile(state_dir_ + "/state.json").value(); }

  std::unique_ptr<Daemon> daemon_;
  int lock_fd_ = -1;
};

TEST_F(StateSaveTest, AHeldLockNeverHoldsTheDaemonAndTheSaveIsRetried) {
  HoldLock();
  auto detached = daemon_->Detach("hweth1");  // returns at once (a blocking flock would hang here)
  ASSERT_TRUE(detached) << detached.message();
  EXPECT_EQ(StateText().find("\"overrides\""), std::string::npos) << "not written while the lock is held";
  // What the administrator, status, events and metrics see.
  EXPECT_NE(daemon_->UnsavedNote().find("NOT SAVED"), std::string::npos);
  const nlohmann::json status = daemon_->StatusJson();
  EXPECT_FALSE(status["state"]["saved"].get<bool>());
  EXPECT_NE(status["state"]["error"].get<std::string>().find("state.lock is held by another process"), std::string::npos);
  EXPECT_NE(daemon_->MetricsText().find("failoverd_state_unsaved 1\n"), std::string::npos);
  EXPECT_NE(daemon_->events().ToJson().dump().find("tried again until it works"), std::string::npos);
  // Still held at the first retry: still due.
  clock_.Advance(Millis(250));
  loop_.RunDueTimers();
  EXPECT_FALSE(daemon_->StatusJson()["state"]["saved"].get<bool>());
  // Released: the next retry writes it.
  ReleaseLock();
  clock_.Advance(Millis(500));
  loop_.RunDueTimers();
  EXPECT_TRUE(daemon_->StatusJson()["state"]["saved"].get<bool>());
  EXPECT_NE(StateText().find("\"overrides\""), std::string::npos);
  EXPECT_NE(daemon_->MetricsText().find("failoverd_state_unsaved 0\n"), std::string::npos);
  EXPECT_TRUE(daemon_->UnsavedNote().empty());
}

TEST_F(StateSaveTest, AnUnwritableStateDirectoryIsRetriedToo) {
  // A file where state.json's temporary file must go: every write fails.
  ASSERT_EQ(mkdir((state_dir_ + "/state.json.tmp").c_str(), 0700), 0);
  ASSERT_TRUE(daemon_->Detach("hweth1"));
  EXPECT_FALSE(daemon_->StatusJson()["state"]["saved"].get<bool>());
  for (int i = 0; i < 6; ++i) {  // 250, 500, 1000, 2000, 4000, 5000 ms: bounded back-off
    clock_.Advance(Millis(5000));
    loop_.RunDueTimers();
  }
  EXPECT_FALSE(daemon_->StatusJson()["state"]["saved"].get<bool>());
  ASSERT_EQ(rmdir((state_dir_ + "/state.json.tmp").c_str()), 0);
  clock_.Advance(Millis(5000));
  loop_.RunDueTimers();
  EXPECT_TRUE(daemon_->StatusJson()["state"]["saved"].get<bool>());
  EXPECT_NE(StateText().find("\"overrides\""), std::string::npos) << "the detach survives a restart now";
}

// Issue 16, point 3: a state.json that cannot be read is kept aside, not overwritten.
class UnreadableStateTest : public testing::DaemonTestBase {
 protected:
  std::unique_ptr<Daemon> Start() {
    kernel_.AddNic("ens1", kMacA);
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {kMacA}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    auto daemon = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    EXPECT_TRUE(daemon->Start());
    return daemon;
  }
  std::vector<std::string> SetAside() const {
    std::vector<std::string> kept;
    for (const auto& entry : std::filesystem::directory_iterator(state_dir_))
      if (entry.path().filename().string().starts_with("state.json.corrupt-")) kept.push_back(entry.path());
    return kept;
  }
};

TEST_F(UnreadableStateTest, ACorruptFileIsKeptAsideAndSaidSo) {
  ASSERT_TRUE(WriteFileAtomically(state_dir_ + "/state.json", "{\"nics\": {\"02:00:00:00:01:01\": {\"na"));
  auto daemon = Start();
  const auto kept = SetAside();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(ReadWholeFile(kept[0]).value(), "{\"nics\": {\"02:00:00:00:01:01\": {\"na") << "kept as it was";
  const nlohmann::json status = daemon->StatusJson();
  ASSERT_TRUE(status["state"]["at_start"].is_string());
  EXPECT_NE(status["state"]["at_start"].get<std::string>().find("kept as " + kept[0]), std::string::npos);
  EXPECT_NE(daemon->events().ToJson().dump().find("state.json could not be read"), std::string::npos);
  // The daemon saves a new state.json beside it.
  EXPECT_NE(ReadWholeFile(state_dir_ + "/state.json").value().find("hweth0"), std::string::npos);
}

TEST_F(UnreadableStateTest, ADirectoryInItsPlaceIsMovedAsideSoThatSavesWork) {
  ASSERT_TRUE(std::filesystem::create_directory(state_dir_ + "/state.json"));
  auto daemon = Start();
  ASSERT_EQ(SetAside().size(), 1u);
  EXPECT_TRUE(std::filesystem::is_directory(SetAside()[0]));
  EXPECT_TRUE(daemon->StatusJson()["state"]["saved"].get<bool>());
  EXPECT_TRUE(std::filesystem::is_regular_file(state_dir_ + "/state.json"));
}

TEST_F(UnreadableStateTest, AFileOfANewerFormatIsLeftAsItIsAndSaidSo) {
  const std::string newer = R"({"version": 9, "nics": {}})";
  ASSERT_TRUE(WriteFileAtomically(state_dir_ + "/state.json", newer));
  auto daemon = Start();
  EXPECT_TRUE(SetAside().empty()) << "not corrupt: kept where a newer failoverd finds it";
  EXPECT_EQ(ReadWholeFile(state_dir_ + "/state.json").value(), newer);
  const nlohmann::json status = daemon->StatusJson();
  ASSERT_TRUE(status["state"]["at_start"].is_string());
  EXPECT_NE(status["state"]["at_start"].get<std::string>().find("has format 9, written by a newer failoverd"),
            std::string::npos);
  EXPECT_FALSE(status["state"]["saved"].get<bool>()) << "the names it gave are not saved, and status says so";
  EXPECT_NE(daemon->events().ToJson().dump().find("written by a newer failoverd"), std::string::npos);
}

TEST_F(UnreadableStateTest, AMissingFileIsNothingToSetAside) {
  auto daemon = Start();
  EXPECT_TRUE(SetAside().empty());
  EXPECT_TRUE(daemon->StatusJson()["state"]["at_start"].is_null());
}

}  // namespace
}  // namespace failoverd
