// Sysctl writing (against a fake /proc/sys tree), error formatting, uevent
// action names, and the device facts of the loopback link every namespace has.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

TEST(DeviceInfoTest, UnknownOrHostileNames) {
  EXPECT_EQ(DriverName("no-such-link0"), "");
  EXPECT_FALSE(HasBusDevice("../../../dev"));
  EXPECT_EQ(DriverName("a-name-far-too-long-for-linux"), "");
}

}  // namespace
}  // namespace failoverd::kernel
