// libFuzzer target: every input is the text of one uevent as the kernel sends
// it ("ACTION@DEVPATH" then KEY=VALUE entries, NUL- or newline-separated).
// libudev does the raw parsing for the daemon; this harness stands in for it
// (properties by key, the sysname as the DEVPATH's last part) and hands the
// result to InterpretUevent, our whole reading of a uevent. Its promises: the
// action is exactly the one ACTION names, the name is libudev's sysname, an
// ifindex is never negative, an old name only on "move" and never a path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "failoverd/kernel/device_event.h"

namespace {

using failoverd::kernel::DeviceEvent;

void Check(bool condition) {
  if (!condition) std::abort();
}

DeviceEvent::Action ExpectedAction(const std::string* action) {
  if (!action) return DeviceEvent::Action::kOther;
  if (*action == "add") return DeviceEvent::Action::kAdd;
  if (*action == "remove") return DeviceEvent::Action::kRemove;
  if (*action == "change") return DeviceEvent::Action::kChange;
  if (*action == "move") return DeviceEvent::Action::kMove;
  return DeviceEvent::Action::kOther;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string, std::less<>> properties;
  size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    size_t end = text.find_first_of(std::string_view("\0\n", 2), start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view entry = text.substr(start, end - start);
    start = end + 1;
    const size_t equals = entry.find('=');
    if (first && equals == std::string_view::npos) {
      // The kernel's header line "add@/devices/virtual/net/veth0": libudev
      // takes ACTION and DEVPATH from the properties that follow it.
      first = false;
      continue;
    }
    first = false;
    if (equals == std::string_view::npos || equals == 0) continue;
    properties.try_emplace(std::string(entry.substr(0, equals)), entry.substr(equals + 1));
  }
  auto find = [&](std::string_view key) -> const std::string* {
    auto it = properties.find(key);
    return it == properties.end() ? nullptr : &it->second;
  };

  // libudev: sysname is the DEVPATH's last component, '!' standing for '/'.
  std::string sysname;
  const std::string* devpath = find("DEVPATH");
  if (devpath) {
    const size_t slash = devpath->rfind('/');
    sysname = slash == std::string::npos ? *devpath : devpath->substr(slash + 1);
    for (char& c : sysname)
      if (c == '!') c = '/';
  }
  const std::string* action = find("ACTION");
  const std::string* ifindex = find("IFINDEX");
  const std::string* devpath_old = find("DEVPATH_OLD");

  failoverd::kernel::UeventFields fields;
  fields.action = action ? action->c_str() : nullptr;
  fields.sysname = devpath ? sysname.c_str() : nullptr;
  fields.ifindex = ifindex ? ifindex->c_str() : nullptr;
  fields.devpath_old = devpath_old ? devpath_old->c_str() : nullptr;
  const DeviceEvent event = failoverd::kernel::InterpretUevent(fields);

  Check(event.action == ExpectedAction(action));
  Check(event.name == sysname);
  Check(event.ifindex >= 0);
  if (!ifindex) Check(event.ifindex == 0);
  if (event.action != DeviceEvent::Action::kMove) Check(event.old_name.empty());
  Check(event.old_name.find('/') == std::string::npos);
  return 0;
}
