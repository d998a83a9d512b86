// Reading a file failoverd is given — a policy, a zone, state.json, a file a control
// client names — without ever blocking or running out of memory: only a regular file
// is read (a FIFO, a device such as /dev/zero, a socket or a directory is refused
// before a byte is read; the open itself never waits), and only up to a size limit.
#pragma once

#include <cstddef>
#include <string>

#include "failoverd/common/status.h"

namespace failoverd {

// A policy or zone file is a few kilobytes; a megabyte is far more than any needs.
inline constexpr size_t kMaxConfigFileBytes = 1024 * 1024;
// state.json grows with the NICs a host ever had and the snapshots of pending windows.
inline constexpr size_t kMaxStateFileBytes = 16 * 1024 * 1024;

// The text of the regular file at `path`, at most `max_bytes` long. Errors read
// "PATH: <strerror>" (e.g. "PATH: No such file or directory") or say what the path is
// instead of a regular file, or that it is too large.
Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes = kMaxConfigFileBytes);

}  // namespace failoverd
