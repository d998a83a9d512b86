// The daemon's command dispatch: credentials first, then arguments; `apply` reads
// only what the caller could read.
#include "failoverd/daemon/control_commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "failoverd/runtime/atomic_file.h"
#include "fakes/daemon_test_base.h"
#include "fakes/test_policy.h"

namespace failoverd {
namespace {

class ControlCommandsTest : public testing::DaemonTestBase {
 protected:
  void SetUp() override {
    DaemonTestBase::SetUp();
    kernel_.AddNic("ens1", "02:00:00:00:01:01");
    auto policy = testing::VethPolicy({testing::ActiveBackup("eth0", {"02:00:00:00:01:01"}, "192.0.2.9/24")});
    policy.daemon.state_dir = state_dir_;
    daemon_ = std::make_unique<Daemon>(policy, "machine", clock_, loop_, kernel_, firewall_);
    ASSERT_TRUE(daemon_->Start());
  }
  Reply Run(const std::vector<std::string>& words, bool may_change, PeerCred peer = {}) {
    return HandleControlCommand(*daemon_, Request{words}, may_change, peer);
  }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ControlCommandsTest, ReadOnlyCommandsNeedNoPrivilege) {
  EXPECT_TRUE(Run({"status"}, false).ok);
  EXPECT_TRUE(Run({"plan"}, false).ok);
  EXPECT_TRUE(Run({"metrics"}, false).ok);
  EXPECT_TRUE(Run({"events"}, false).ok);
}

TEST_F(ControlCommandsTest, ChangingCommandsAreRefusedBeforeTheirArgumentsAreLookedAt) {
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"isolate", "eth0"}, {"attach", "hweth0", "eth0"}, {"reload"}, {"confirm"}, {"apply", "/etc/shadow"},
           {"isolate", "no-such-bridge"}}) {
    const Reply reply = Run(words, false, {1, 65534, 65534});
    EXPECT_FALSE(reply.ok) << words[0];
    EXPECT_NE(reply.error.find("permission denied"), std::string::npos) << reply.error;
  }
  EXPECT_EQ(kernel_.PortsOf("eth0").size(), 1u);
}

TEST_F(ControlCommandsTest, WrongArgumentsGetUsage) {
  EXPECT_NE(Run({"attach", "hweth0"}, true).error.find("usage: attach NIC BRIDGE"), std::string::npos);
  EXPECT_NE(Run({"apply", "/x", "soon"}, true).error.find("usage: apply FILE [SECONDS]"), std::string::npos);
  EXPECT_NE(Run({"frobnicate"}, true).error.find("unknown command"), std::string::npos);
}

TEST_F(ControlCommandsTest, IsolateOptionWords) {
  EXPECT_NE(Run({"isolate"}, true).error.find("usage: isolate BRIDGE [confirm=SECONDS | force] [session=ADDRESS]"),
            std::string::npos);
  EXPECT_NE(Run({"isolate", "eth0", "confirm=soon"}, true).error.find("usage: isolate"), std::string::npos);
  EXPECT_NE(Run({"isolate", "eth0", "bogus"}, true).error.find("usage: isolate"), std::string::npos);
  EXPECT_NE(Run({"isolate", "eth0", "confirm=5", "force"}, true).error.find("exclude each other"), std::string::npos);
  EXPECT_NE(Run({"isolate", "eth0", "session=nowhere"}, true).error.find("not an IP address"), std::string::npos);
  // A repeated option is a mistake, refused before anything changes.
  const Reply repeated = Run({"isolate", "eth0", "force", "force", "force"}, true);
  EXPECT_FALSE(repeated.ok);
  EXPECT_NE(repeated.error.find("isolate: force given twice"), std::string::npos) << repeated.error;
  EXPECT_NE(Run({"reload", "force", "force"}, true).error.find("reload: force given twice"), std::string::npos);
  EXPECT_NE(Run({"apply", "/etc/x.toml", "force", "force"}, true).error.find("apply: force given twice"),
            std::string::npos);
  EXPECT_EQ(kernel_.PortsOf("eth0").size(), 1u) << "refusals change nothing";

  // eth0's address is the session's: refused, and the reply says why.
  const Reply refused = Run({"isolate", "eth0", "session=192.0.2.9"}, true);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("your session comes in through eth0"), std::string::npos) << refused.error;
  EXPECT_EQ(kernel_.PortsOf("eth0").size(), 1u);

  const Reply windowed = Run({"isolate", "eth0", "session=192.0.2.9", "confirm=5"}, true);
  ASSERT_TRUE(windowed.ok) << windowed.error;
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
  const Reply status = Run({"status"}, false);
  ASSERT_EQ(status.result["pending_isolate"].size(), 1u) << status.result.dump();
  EXPECT_TRUE(Run({"confirm"}, true).ok);
  EXPECT_TRUE(Run({"restore", "eth0"}, true).ok);
  EXPECT_TRUE(Run({"isolate", "eth0", "force", "session=192.0.2.9"}, true).ok);
  EXPECT_TRUE(kernel_.PortsOf("eth0").empty());
}

TEST_F(ControlCommandsTest, ApplyReadsOnlyWhatTheCallerCouldRead) {
  const std::string secret = state_dir_ + "/secret.toml";
  ASSERT_TRUE(WriteFileAtomically(secret, "[[bridge]]\nname = \"this is not for you\"\n", 0600));
  if (geteuid() == 65534) GTEST_SKIP() << "runs as the uid it pretends to be refused";
  const Reply refused = Run({"apply", secret}, true, {1, 65534, 65534});
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("permission denied for uid 65534"), std::string::npos) << refused.error;
  EXPECT_EQ(refused.error.find("not for you"), std::string::npos) << "nothing of the file leaks";
  EXPECT_NE(Run({"apply", "relative.toml"}, true).error.find("absolute"), std::string::npos);
}

}  // namespace
}  // namespace failoverd
