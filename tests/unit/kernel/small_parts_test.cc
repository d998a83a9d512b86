// Sysctl writing (against a fake /proc/sys tree), error formatting, uevent
// action names, the device facts of the loopback link every namespace has, and their cache.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "failoverd/kernel/device_info.h"
#include "failoverd/kernel/netlink_requester.h"
#include "failoverd/kernel/sysctl.h"
#include "failoverd/kernel/udev_monitor.h"

namespace failoverd::kernel {
namespace {

namespace fs = std::filesystem;

class FakeProcSys {
 public:
  FakeProcSys() {
    char pattern[] = "/tmp/fod-sysctl-XXXXXX";
    root_ = mkdtemp(pattern);
  }
  ~FakeProcSys() { fs::remove_all(root_); }
  void AddInterface(const std::string& family, const std::string& ifname,
                    std::initializer_list<const char*> keys) {
    const fs::path dir = fs::path(root_) / "net" / family / "conf" / ifname;
    fs::create_directories(dir);
    for (const char* key : keys) std::ofstream(dir / key) << "x";
  }
  std::string Read(const std::string& family, const std::string& ifname, const std::string& key) {
    std::ifstream in(fs::path(root_) / "net" / family / "conf" / ifname / key);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(SysctlTest, WritesEveryNicSetting) {
  FakeProcSys proc;
  proc.AddInterface("ipv4", "hweth1", {"arp_ignore", "arp_announce", "rp_filter"});
  proc.AddInterface("ipv6", "hweth1", {"accept_ra", "disable_ipv6"});
  ASSERT_TRUE(ApplyNicSysctls("hweth1", proc.root()).ok());
  EXPECT_EQ(proc.Read("ipv6", "hweth1", "accept_ra"), "0");
  EXPECT_EQ(proc.Read("ipv6", "hweth1", "disable_ipv6"), "1");
  EXPECT_EQ(proc.Read("ipv4", "hweth1", "arp_ignore"), "8");
  EXPECT_EQ(proc.Read("ipv4", "hweth1", "arp_announce"), "2");
  EXPECT_EQ(proc.Read("ipv4", "hweth1", "rp_filter"), "1");
}

TEST(SysctlTest, MissingIpv6IsNotAnError) {
  FakeProcSys proc;
  proc.AddInterface("ipv4", "hweth1", {"arp_ignore", "arp_announce", "rp_filter"});
  EXPECT_TRUE(ApplyNicSysctls("hweth1", proc.root()).ok());
  EXPECT_EQ(proc.Read("ipv4", "hweth1", "arp_ignore"), "8");
}

TEST(SysctlTest, MissingIpv4IsAnErrorNamingInterfaceAndFile) {
  FakeProcSys proc;
  Status status = ApplyNicSysctls("hweth1", proc.root());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind("hweth1: sysctl ", 0), 0u) << status.message();
  EXPECT_NE(status.message().find("arp_ignore: No such file or directory"), std::string::npos)
      << status.message();
}

TEST(SysctlTest, RefusesPathTricks) {
  FakeProcSys proc;
  EXPECT_FALSE(ApplyNicSysctls("../all", proc.root()).ok());
  EXPECT_FALSE(ApplyNicSysctls("..", proc.root()).ok());
  EXPECT_FALSE(ApplyNicSysctls("", proc.root()).ok());
}

TEST(ReplyStatusTest, FormatsOperationInterfaceAndErrno) {
  NetlinkReply reply;
  reply.error = -EBUSY;
  EXPECT_EQ(ReplyStatus("hweth1: set master eth0", reply).message(),
            "hweth1: set master eth0: Device or resource busy");
  reply.extack = "Device is already a port";
  EXPECT_EQ(ReplyStatus("hweth1: set master eth0", reply).message(),
            "hweth1: set master eth0: Device or resource busy (Device is already a port)");
  EXPECT_TRUE(ReplyStatus("anything", NetlinkReply{}).ok());
}

TEST(UdevActionTest, MapsActions) {
  EXPECT_EQ(UdevMonitor::ParseAction("add"), DeviceEvent::Action::kAdd);
  EXPECT_EQ(UdevMonitor::ParseAction("remove"), DeviceEvent::Action::kRemove);
  EXPECT_EQ(UdevMonitor::ParseAction("change"), DeviceEvent::Action::kChange);
  EXPECT_EQ(UdevMonitor::ParseAction("move"), DeviceEvent::Action::kMove);
  EXPECT_EQ(UdevMonitor::ParseAction("bind"), DeviceEvent::Action::kOther);
  EXPECT_EQ(UdevMonitor::ParseAction(nullptr), DeviceEvent::Action::kOther);
}

TEST(UdevMonitorTest, RejectsUnknownSource) {
  UdevMonitor monitor("systemd");
  Status status = monitor.Open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("\"udev\" or \"kernel\""), std::string::npos);
  EXPECT_EQ(monitor.fd(), -1);
}

// Reads only: the loopback link exists in every network namespace.
TEST(DeviceInfoTest, LoopbackIsVirtualWithoutDriver) {
  core::LinkInfo lo;
  lo.name = "lo";
  EnrichLinkInfo(lo, nullptr);
  EXPECT_FALSE(lo.physical);
  EXPECT_EQ(lo.driver, "");  // lo answers no ethtool driver query
  EXPECT_EQ(lo.path, "");
  EXPECT_TRUE(lo.udev_ready);  // no udev context: nothing to wait for
}

// A reader that counts its reads and hands out facts named after the read.
struct CountingReader {
  int reads = 0;
  bool ready = true;
  std::set<int> db;  // ifindexes with a udev database entry

  DeviceInfoCache Cache() {
    return DeviceInfoCache(
        [this](core::LinkInfo& link) {
          ++reads;
          link.driver = "drv" + std::to_string(reads);
          link.path = "path-" + link.name;
          link.physical = true;
          link.udev_ready = ready;
        },
        [this](int ifindex) { return db.contains(ifindex); });
  }
};

core::LinkInfo Link(int ifindex, const std::string& name, const std::string& kind = "veth") {
  core::LinkInfo link;
  link.ifindex = ifindex;
  link.name = name;
  link.kind = kind;
  return link;
}

TEST(DeviceInfoCacheTest, ReadsALinkOnceAndHandsOutTheSameFacts) {
  CountingReader reader;
  DeviceInfoCache cache = reader.Cache();
  core::LinkInfo first = Link(5, "ens1");
  cache.Enrich(first);
  core::LinkInfo again = Link(5, "ens1");
  cache.Enrich(again);
  EXPECT_EQ(reader.reads, 1);
  EXPECT_EQ(again.driver, "drv1");
  EXPECT_EQ(again.path, "path-ens1");
  EXPECT_TRUE(again.physical);
  EXPECT_TRUE(again.udev_ready);
}

TEST(DeviceInfoCacheTest, ARenameOrAnotherKindUnderTheIfindexIsReadAgain) {
  CountingReader reader;
  DeviceInfoCache cache = reader.Cache();
  core::LinkInfo link = Link(5, "ens1");
  cache.Enrich(link);
  core::LinkInfo renamed = Link(5, "hweth0");
  cache.Enrich(renamed);
  EXPECT_EQ(reader.reads, 2);
  EXPECT_EQ(renamed.path, "path-hweth0");
  core::LinkInfo other = Link(5, "hweth0", "tun");
  cache.Enrich(other);
  EXPECT_EQ(reader.reads, 3);
}

TEST(DeviceInfoCacheTest, OurOwnRenameKeepsTheFactsAndABridgeIsNeverRead) {
  CountingReader reader;
  DeviceInfoCache cache = reader.Cache();
  core::LinkInfo link = Link(5, "ens1");
  cache.Enrich(link);
  cache.Renamed(5, "hweth0");
  core::LinkInfo renamed = Link(5, "hweth0");
  cache.Enrich(renamed);
  EXPECT_EQ(reader.reads, 1);
  EXPECT_EQ(renamed.path, "path-ens1");  // the device's, read under its old name
  core::LinkInfo bridge = Link(9, "eth0", "bridge");
  cache.Enrich(bridge);
  EXPECT_EQ(reader.reads, 1);
  EXPECT_EQ(bridge.driver, "bridge");
  EXPECT_FALSE(bridge.physical);
  EXPECT_TRUE(bridge.udev_ready);
}

TEST(DeviceInfoCacheTest, ALinkUdevHasNotFinishedIsReadAgainOnceItsDatabaseEntryExists) {
  CountingReader reader;
  reader.ready = false;
  DeviceInfoCache cache = reader.Cache();
  core::LinkInfo link = Link(7, "ens2");
  cache.Enrich(link);
  core::LinkInfo waiting = Link(7, "ens2");
  cache.Enrich(waiting);
  EXPECT_EQ(reader.reads, 1);  // no database entry yet: nothing new to read
  EXPECT_FALSE(waiting.udev_ready);
  reader.ready = true;
  reader.db.insert(7);
  core::LinkInfo done = Link(7, "ens2");
  cache.Enrich(done);
  EXPECT_EQ(reader.reads, 2);
  EXPECT_TRUE(done.udev_ready);
  core::LinkInfo later = Link(7, "ens2");
  cache.Enrich(later);
  EXPECT_EQ(reader.reads, 2);  // ready now: kept
}

TEST(DeviceInfoCacheTest, KeepOnlyForgetsTheLinksADumpNoLongerHas) {
  CountingReader reader;
  DeviceInfoCache cache = reader.Cache();
  core::LinkInfo a = Link(5, "ens1");
  core::LinkInfo b = Link(6, "ens2");
  cache.Enrich(a);
  cache.Enrich(b);
  cache.KeepOnly({a});
  EXPECT_EQ(cache.size(), 1u);
  core::LinkInfo b_again = Link(6, "ens2");
  cache.Enrich(b_again);
  EXPECT_EQ(reader.reads, 3);
  cache.Forget(5);
  core::LinkInfo a_again = Link(5, "ens1");
  cache.Enrich(a_again);
  EXPECT_EQ(reader.reads, 4);
}

TEST(DeviceInfoTest, UnknownOrHostileNames) {
  EXPECT_EQ(DriverName("no-such-link0"), "");
  EXPECT_FALSE(HasBusDevice("../../../dev"));
  EXPECT_EQ(DriverName("a-name-far-too-long-for-linux"), "");
}

}  // namespace
}  // namespace failoverd::kernel
