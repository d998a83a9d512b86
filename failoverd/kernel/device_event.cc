#include "failoverd/kernel/device_event.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace failoverd::kernel {

namespace {

std::string BaseName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

// The kernel writes IFINDEX as a positive decimal; anything else counts as no
// ifindex (atoi was undefined past INT_MAX and let negative numbers through).
int ParseIfindex(const char* text) {
  const std::string_view digits(text);
  int value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value <= 0) return 0;
  return value;
}

}  // namespace

DeviceEvent::Action ParseDeviceAction(const char* action) {
  if (!action) return DeviceEvent::Action::kOther;
  const std::string_view a(action);
  if (a == "add") return DeviceEvent::Action::kAdd;
  if (a == "remove") return DeviceEvent::Action::kRemove;
  if (a == "change") return DeviceEvent::Action::kChange;
  if (a == "move") return DeviceEvent::Action::kMove;
  return DeviceEvent::Action::kOther;
}

DeviceEvent InterpretUevent(const UeventFields& fields) {
  DeviceEvent event;
  event.action = ParseDeviceAction(fields.action);
  if (fields.sysname) event.name = fields.sysname;
  if (fields.ifindex) event.ifindex = ParseIfindex(fields.ifindex);
  if (event.action == DeviceEvent::Action::kMove && fields.devpath_old)
    event.old_name = BaseName(fields.devpath_old);
  return event;
}

}  // namespace failoverd::kernel
