#include "failoverd/control/request_options.h"

#include <algorithm>

namespace failoverd {

namespace {

// ::ffff:a.b.c.d -> a.b.c.d; anything else unchanged.
IpAddress Unmapped(const IpAddress& ip) {
  if (ip.family != IpFamily::kV6) return ip;
  const bool mapped = std::all_of(ip.bytes.begin(), ip.bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
                      ip.bytes[10] == 0xff && ip.bytes[11] == 0xff;
  if (!mapped) return ip;
  IpAddress v4;
  v4.family = IpFamily::kV4;
  std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
  return v4;
}

}  // namespace

Result<std::optional<std::string>> TakeOption(std::vector<std::string>& args, std::string_view name) {
  const std::string prefix = std::string(name) + "=";
  std::optional<std::string> value;
  for (size_t i = 1; i < args.size();) {
    if (args[i].compare(0, prefix.size(), prefix) != 0) {
      ++i;
      continue;
    }
    if (value) return Status::Error(prefix + " given twice");
    value = args[i].substr(prefix.size());
    if (value->empty()) return Status::Error(prefix + " without a value");
    args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return value;
}

Result<bool> TakeFlag(std::vector<std::string>& args, std::string_view name) {
  if (args.size() < 2) return false;
  const auto from = args.begin() + 1;
  const auto times = std::count(from, args.end(), std::string(name));
  if (times > 1) return Status::Error(std::string(name) + " given twice");
  args.erase(std::remove(from, args.end(), std::string(name)), args.end());
  return times == 1;
}

Result<std::optional<IpAddress>> TakeSession(std::vector<std::string>& args) {
  auto word = TakeOption(args, kSessionOption);
  if (!word) return word.status();
  if (!*word) return std::optional<IpAddress>();
  const auto ip = IpAddress::Parse(**word);
  if (!ip) return Status::Error(std::string(kSessionOption) + "=" + **word + ": not an IP address");
  return std::optional<IpAddress>(Unmapped(*ip));
}

}  // namespace failoverd
