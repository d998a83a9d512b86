// DeviceEvent: one udev (or raw kernel uevent) notification about a network
// device, as a plain value. Produced by UdevMonitor. No Linux headers.
#pragma once

#include <string>

namespace failoverd::kernel {

struct DeviceEvent {
  enum class Action {
    kAdd,     // the device appeared (after udevd's rules, with source "udev")
    kRemove,  // the device is gone
    kChange,  // an attribute changed
    kMove,    // the device was renamed; `old_name` holds the previous name
    kOther,   // bind/unbind/online/offline: nothing failoverd acts on
  };
  Action action = Action::kOther;
  std::string name;      // the interface name (sysname) after the event
  int ifindex = 0;       // 0 if the event did not carry one
  std::string old_name;  // kMove only

  bool operator==(const DeviceEvent&) const = default;
};

}  // namespace failoverd::kernel
