// One spdlog logger per component (netlink, udev, engine, firewall, control),
// all writing to stderr (journald captures it under systemd).
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace failoverd {

// Creates the component loggers at `level` ("trace".."critical"); false if unknown.
bool InitLogging(const std::string& level);
// The named logger, created on first use if InitLogging has not made it.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& name);

}  // namespace failoverd
