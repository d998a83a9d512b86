#include "failoverd/daemon/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace failoverd {

namespace {
constexpr const char* kComponents[] = {"netlink", "udev", "probe", "engine", "firewall", "control", "daemon"};
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v";
}  // namespace

std::shared_ptr<spdlog::logger> GetLogger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern(kPattern);
  return logger;
}

bool InitLogging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  for (const char* name : kComponents) GetLogger(name)->set_level(parsed);
  return true;
}

}  // namespace failoverd
