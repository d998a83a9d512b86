// Device facts rtnetlink does not carry: whether a link sits on a bus (sysfs),
// which driver runs it (ethtool), where udev says it is (ID_PATH) and whether
// udevd has finished with it. Used on every link RtnlOps dumps and LinkMonitor
// reports, so that both hand out the same complete LinkInfo.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "failoverd/core/link.h"

struct udev;

namespace failoverd::kernel {

// Fills link.physical, link.driver, link.path and link.udev_ready from link.name.
// udev_ready is true when no udevd runs or `udev` is null (nothing to wait for /
// no way to ask), else udevd's "initialized" flag; false if the device vanished.
void EnrichLinkInfo(core::LinkInfo& link, udev* udev);

// True when /sys/class/net/NAME/device exists (the link has a bus device).
bool HasBusDevice(const std::string& ifname);
// The ethtool driver name ("veth", "bridge", "igb"), "" when the device has none
// or is gone.
std::string DriverName(const std::string& ifname);
// EnrichLinkInfo once per link instead of once per sight: a start re-reads the links
// a dozen times, and the sysfs, ethtool and udev reads were a sixth of its CPU time.
// The facts belong to the device, which keeps its ifindex for as long as it exists,
// so they are read again only when the link under that ifindex looks different (a new
// name or kind: renamed, or another device after a removal) or when udevd had not
// finished with it and its database entry has appeared since. A bridge is never a
// NIC: its facts are known without asking (no bus device, driver "bridge").
class DeviceInfoCache {
 public:
  using Reader = std::function<void(core::LinkInfo&)>;
  using UdevDbExists = std::function<bool(int ifindex)>;
  // `read` fills the facts (EnrichLinkInfo with a udev context); `db_exists` says
  // whether udevd's database has an entry for the ifindex.
  DeviceInfoCache(Reader read, UdevDbExists db_exists);

  void Enrich(core::LinkInfo& link);
  void Forget(int ifindex) { facts_.erase(ifindex); }
  // `ifindex` was renamed by us: the same device, so its facts stay.
  void Renamed(int ifindex, const std::string& name);
  // After a full dump: drops the links that are gone.
  void KeepOnly(const std::vector<core::LinkInfo>& links);
  size_t size() const { return facts_.size(); }

 private:
  struct Facts {
    std::string name;
    std::string kind;
    bool physical = false;
    std::string driver;
    std::string path;
    bool udev_ready = true;
  };
  Reader read_;
  UdevDbExists db_exists_;
  std::unordered_map<int, Facts> facts_;
};

// The cache RtnlOps and LinkMonitor use: EnrichLinkInfo with `*udev` (read at each
// miss, so a context opened later is used), udevd's database under /run/udev/data.
DeviceInfoCache MakeDeviceInfoCache(udev* const* udev);

// True when a udevd runs on this host (its control socket exists). Without one
// (containers, test namespaces) nothing will ever mark devices initialized.
bool UdevdRunning();

}  // namespace failoverd::kernel
