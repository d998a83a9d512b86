// The facts a conversion is judged on (core/migration.h), read from this host:
// every link's addresses with their lifetimes, and what else may be configuring a
// NIC — DHCP clients and network managers running in this network namespace.
#pragma once

#include <map>
#include <vector>

#include "failoverd/common/status.h"
#include "failoverd/core/migration.h"
#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

// Addresses of every link, by ifindex.
Result<std::map<int, std::vector<core::AddressFact>>> ReadAddressFacts(NetlinkRequester& rtnl);

// Processes whose network namespace is this process's own (a DHCP client in
// another namespace configures another host), and, when systemd-networkd or
// NetworkManager runs here, what it says of `ifindex`.
core::ManagerFacts ReadManagerFacts(int ifindex, const std::string& proc_root = "/proc",
                                    const std::string& run_root = "/run");

}  // namespace failoverd::kernel
