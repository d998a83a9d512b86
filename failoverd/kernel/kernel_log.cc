#include "failoverd/kernel/kernel_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace failoverd::kernel {

std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  try {
    return spdlog::stderr_color_mt(name);
  } catch (const spdlog::spdlog_ex&) {
    // Registered by someone else between get() and create(): use theirs.
    return spdlog::get(name);
  }
}

}  // namespace failoverd::kernel
