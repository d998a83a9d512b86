#include "failoverd/kernel/udev_monitor.h"

#include <libudev.h>

#include <cerrno>
#include <cstring>

#include "failoverd/kernel/device_info.h"
#include "failoverd/kernel/kernel_log.h"

namespace failoverd::kernel {

namespace {

constexpr int kReceiveBufferBytes = 4 * 1024 * 1024;

}  // namespace

UdevMonitor::UdevMonitor(std::string source)
    : source_(std::move(source)), log_(ComponentLogger(kUdevLogger)) {}

UdevMonitor::~UdevMonitor() {
  if (monitor_) udev_monitor_unref(monitor_);
  if (udev_) udev_unref(udev_);
}

int UdevMonitor::fd() const { return monitor_ ? udev_monitor_get_fd(monitor_) : -1; }

Status UdevMonitor::Open() {
  if (monitor_) return Status::Ok();
  if (source_ != "udev" && source_ != "kernel")
    return Status::Error("udev monitor: source must be \"udev\" or \"kernel\", not \"" + source_ +
                         "\"");
  if (!udev_) {
    udev_ = udev_new();
    if (!udev_)
      return Status::Error(std::string("udev monitor: udev_new: ") + std::strerror(errno));
  }
  if (source_ == "udev" && !UdevdRunning()) {
    // libudev quietly opens a monitor that never receives anything in that case.
    log_->warn(
        "udevd is not running; source \"udev\" will see no device events "
        "(use udev_source = \"kernel\")");
  }
  errno = 0;
  udev_monitor* monitor = udev_monitor_new_from_netlink(udev_, source_.c_str());
  if (!monitor) {
    return Status::Error("udev monitor (" + source_ +
                         "): " + std::strerror(errno ? errno : EINVAL));
  }
  int err = udev_monitor_filter_add_match_subsystem_devtype(monitor, "net", nullptr);
  if (err >= 0) err = udev_monitor_enable_receiving(monitor);
  if (err < 0) {
    udev_monitor_unref(monitor);
    return Status::Error("udev monitor (" + source_ + "): " + std::strerror(-err));
  }
  // Needs CAP_NET_ADMIN to exceed rmem_max; a smaller buffer still works.
  if (udev_monitor_set_receive_buffer_size(monitor, kReceiveBufferBytes) < 0)
    log_->debug("could not raise the uevent receive buffer");
  monitor_ = monitor;
  return Status::Ok();
}

DeviceEvent::Action UdevMonitor::ParseAction(const char* action) {
  return ParseDeviceAction(action);
}

std::vector<DeviceEvent> UdevMonitor::Read() {
  std::vector<DeviceEvent> events;
  if (!monitor_) return events;
  // The monitor fd is non-blocking; receive_device returns null once drained.
  while (udev_device* device = udev_monitor_receive_device(monitor_)) {
    const char* action = udev_device_get_action(device);
    const std::string action_text = action ? action : "?";
    UeventFields fields;
    fields.action = action;
    fields.sysname = udev_device_get_sysname(device);
    fields.ifindex = udev_device_get_property_value(device, "IFINDEX");
    fields.devpath_old = udev_device_get_property_value(device, "DEVPATH_OLD");
    DeviceEvent event = InterpretUevent(fields);
    udev_device_unref(device);
    if (event.action == DeviceEvent::Action::kMove)
      log_->debug("{}: move from {} (ifindex {})", event.name, event.old_name, event.ifindex);
    else
      log_->debug("{}: {} (ifindex {})", event.name, action_text, event.ifindex);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace failoverd::kernel
