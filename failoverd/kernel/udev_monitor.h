// UdevMonitor: device notifications for the "net" subsystem from libudev.
// Source "udev" delivers events after udevd has run its rules (names, ID_PATH
// known); source "kernel" delivers raw uevents, for hosts and namespaces that
// run no udevd. The daemon's event loop owns it, polls fd(), calls Read().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/kernel/device_event.h"

struct udev;
struct udev_monitor;
namespace spdlog {
class logger;
}

namespace failoverd::kernel {

class UdevMonitor {
 public:
  explicit UdevMonitor(std::string source);  // "udev" or "kernel"
  ~UdevMonitor();
  UdevMonitor(const UdevMonitor&) = delete;
  UdevMonitor& operator=(const UdevMonitor&) = delete;

  // Creates the monitor, filtered to subsystem "net", and starts receiving.
  Status Open();
  int fd() const;
  // Every pending event, without blocking.
  std::vector<DeviceEvent> Read();

  // Maps a uevent ACTION string to DeviceEvent::Action.
  static DeviceEvent::Action ParseAction(const char* action);

 private:
  std::string source_;
  udev* udev_ = nullptr;
  udev_monitor* monitor_ = nullptr;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace failoverd::kernel
