// Reading the kernel's address table (RTM_GETADDR): which IPv4/IPv6 addresses
// an interface has. Used to empty a NIC (PrepareNic) and to know what a bridge
// must announce.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

struct nlmsghdr;

namespace failoverd::kernel {

class NetlinkRequester;

struct KernelAddress {
  int ifindex = 0;
  IpPrefix prefix;     // the local address with its prefix length
  uint32_t flags = 0;  // IFA_F_* (IFA_FLAGS when present, else ifa_flags)
  uint8_t scope = 0;   // RT_SCOPE_*

  bool tentative() const;  // IPv6 DAD not finished, or failed: not ours to announce
};

// Reads one RTM_NEWADDR message; nullopt for other families or malformed ones.
std::optional<KernelAddress> ParseAddressMessage(const nlmsghdr* nlh);

// Every IPv4 and IPv6 address on `ifindex` (0: on every link).
Result<std::vector<KernelAddress>> DumpAddresses(NetlinkRequester& rtnl, int ifindex);

}  // namespace failoverd::kernel
