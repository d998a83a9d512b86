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

// The uevent properties failoverd reads, as libudev hands them over; null when
// the event does not carry one. `sysname` is libudev's (the DEVPATH's last part).
struct UeventFields {
  const char* action = nullptr;       // ACTION
  const char* sysname = nullptr;
  const char* ifindex = nullptr;      // IFINDEX
  const char* devpath_old = nullptr;  // DEVPATH_OLD, on "move"
};

// Maps a uevent ACTION string to DeviceEvent::Action (null: kOther).
DeviceEvent::Action ParseDeviceAction(const char* action);
// Our whole reading of one uevent. Pure, so tests/fuzz/uevent_fuzz.cc can feed it
// anything: an IFINDEX that is not a positive decimal int counts as absent (0).
DeviceEvent InterpretUevent(const UeventFields& fields);

}  // namespace failoverd::kernel
