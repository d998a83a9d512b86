// Loggers of the kernel edge: "netlink" (rtnl_ops, link_monitor, announce) and
// "udev" (udev_monitor). The daemon may configure them first (sinks, level);
// if it has not, a stderr colour logger of that name is created on first use.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace failoverd::kernel {

inline constexpr const char* kNetlinkLogger = "netlink";
inline constexpr const char* kUdevLogger = "udev";

std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& name);

}  // namespace failoverd::kernel
