#include "failoverd/kernel/device_info.h"

#include <libudev.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <unordered_set>

namespace failoverd::kernel {

namespace {

constexpr const char* kUdevControlSocket = "/run/udev/control";

bool ValidInterfaceName(const std::string& ifname) {
  return !ifname.empty() && ifname.size() < IFNAMSIZ && ifname.find('/') == std::string::npos &&
         ifname != "." && ifname != "..";
}

// The ethtool ioctl is answered by the device layer whatever the socket family
// is; AF_INET is the classic choice, AF_NETLINK works where IPv4 is compiled out.
int OpenIoctlSocket() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
  return fd;
}

}  // namespace

bool HasBusDevice(const std::string& ifname) {
  if (!ValidInterfaceName(ifname)) return false;
  return access(("/sys/class/net/" + ifname + "/device").c_str(), F_OK) == 0;
}

std::string DriverName(const std::string& ifname) {
  if (!ValidInterfaceName(ifname)) return "";
  const int fd = OpenIoctlSocket();
  if (fd < 0) return "";
  ethtool_drvinfo info{};
  info.cmd = ETHTOOL_GDRVINFO;
  ifreq request{};
  std::memcpy(request.ifr_name, ifname.c_str(), ifname.size());
  request.ifr_data = reinterpret_cast<char*>(&info);
  const int result = ioctl(fd, SIOCETHTOOL, &request);
  close(fd);
  if (result < 0) return "";  // EOPNOTSUPP (lo, some virtual links) or ENODEV
  return std::string(info.driver, strnlen(info.driver, sizeof info.driver));
}

bool UdevdRunning() { return access(kUdevControlSocket, F_OK) == 0; }

void EnrichLinkInfo(core::LinkInfo& link, udev* udev) {
  link.physical = HasBusDevice(link.name);
  link.driver = DriverName(link.name);
  link.path.clear();
  const bool udevd = UdevdRunning();
  // Without udevd the udev database is never written, so "initialized" would
  // stay false forever: there is nothing to wait for. Without a udev context we
  // cannot ask, and must not hold the link back for ever either.
  link.udev_ready = !udevd || !udev;
  if (!udev || !ValidInterfaceName(link.name)) return;
  udev_device* device = udev_device_new_from_subsystem_sysname(udev, "net", link.name.c_str());
  if (!device) return;  // renamed or removed since the message: a later event tells
  if (const char* path = udev_device_get_property_value(device, "ID_PATH")) link.path = path;
  if (udevd) link.udev_ready = udev_device_get_is_initialized(device) > 0;
  udev_device_unref(device);
}

DeviceInfoCache::DeviceInfoCache(Reader read, UdevDbExists db_exists)
    : read_(std::move(read)), db_exists_(std::move(db_exists)) {}

void DeviceInfoCache::Enrich(core::LinkInfo& link) {
  if (link.is_bridge()) {
    link.physical = false;
    link.driver = "bridge";
    link.path.clear();
    link.udev_ready = true;  // only a NIC waits for udevd (core/decision.cc)
    return;
  }
  auto known = facts_.find(link.ifindex);
  const bool same = known != facts_.end() && known->second.name == link.name && known->second.kind == link.kind;
  if (same && (known->second.udev_ready || !db_exists_(link.ifindex))) {
    const Facts& facts = known->second;
    link.physical = facts.physical;
    link.driver = facts.driver;
    link.path = facts.path;
    link.udev_ready = facts.udev_ready;
    return;
  }
  read_(link);
  // A link that vanished under its name has nothing worth keeping.
  if (link.ifindex <= 0) return;
  facts_[link.ifindex] = Facts{link.name, link.kind, link.physical, link.driver, link.path, link.udev_ready};
}

void DeviceInfoCache::Renamed(int ifindex, const std::string& name) {
  if (auto known = facts_.find(ifindex); known != facts_.end()) known->second.name = name;
}

void DeviceInfoCache::KeepOnly(const std::vector<core::LinkInfo>& links) {
  std::unordered_set<int> present;
  for (const core::LinkInfo& link : links) present.insert(link.ifindex);
  std::erase_if(facts_, [&present](const auto& entry) { return !present.contains(entry.first); });
}

DeviceInfoCache MakeDeviceInfoCache(udev* const* udev) {
  return DeviceInfoCache([udev](core::LinkInfo& link) { EnrichLinkInfo(link, *udev); },
                         [](int ifindex) {
                           const std::string entry = "/run/udev/data/n" + std::to_string(ifindex);
                           return access(entry.c_str(), F_OK) == 0;
                         });
}

}  // namespace failoverd::kernel
