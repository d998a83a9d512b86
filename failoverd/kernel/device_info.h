// Device facts rtnetlink does not carry: whether a link sits on a bus (sysfs),
// which driver runs it (ethtool), where udev says it is (ID_PATH) and whether
// udevd has finished with it. Used on every link RtnlOps dumps and LinkMonitor
// reports, so that both hand out the same complete LinkInfo.
#pragma once

#include <string>

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
// True when a udevd runs on this host (its control socket exists). Without one
// (containers, test namespaces) nothing will ever mark devices initialized.
bool UdevdRunning();

}  // namespace failoverd::kernel
