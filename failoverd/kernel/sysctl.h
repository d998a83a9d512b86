// Per-interface kernel settings written through /proc/sys: what makes a NIC
// that is not a bridge port answer nothing on its own (PrepareNic).
#pragma once

#include <string>
#include <string_view>

#include "failoverd/common/status.h"

namespace failoverd::kernel {

inline constexpr const char* kProcSysRoot = "/proc/sys";

// Writes `value` to the file at `path`. Errors read "path: strerror".
Status WriteSysctl(const std::string& path, std::string_view value);

// On NIC `ifname`: accept_ra=0 and disable_ipv6=1 (IPv6), arp_ignore=8,
// arp_announce=2, rp_filter=1 (IPv4). A missing IPv6 directory (IPv6 disabled
// on the host) is not an error. `proc_sys_root` is replaceable for tests.
Status ApplyNicSysctls(const std::string& ifname, const std::string& proc_sys_root = kProcSysRoot);

}  // namespace failoverd::kernel
