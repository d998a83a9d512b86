// HostSnapshot: what a host's network looked like before failoverd converted it
// (`failoverd --migrate`), exactly enough to put it back: the links failoverd may
// touch (name, MAC, up, master, the sysctls PrepareNic changes), their addresses
// and the routes out of them as the kernel's own messages, and table inet
// failoverd as nft prints it (or its absence).
//
// Addresses and routes are kept as the raw RTM_NEWADDR / RTM_NEWROUTE messages of
// the kernel's dump and replayed as requests, so every attribute (flags,
// broadcast, label, metric, source, protocol, table) comes back unchanged; only
// the interface index is rewritten, which is how an address or route "moves" from
// the NIC to the bridge that takes its name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/link.h"
#include "failoverd/kernel/netlink_requester.h"

namespace failoverd::kernel {

struct SnapshotLink {
  int ifindex = 0;
  std::string name;
  std::string kind;
  MacAddress mac;
  bool up = false;
  int master = 0;
  std::map<std::string, std::string> sysctls;  // path under /proc/sys/net ("ipv4/conf/eth0/rp_filter") -> value
  std::vector<NetlinkMessage> addresses;       // RTM_NEWADDR, as dumped
  // Bridges (one `failoverd --migrate` takes over keeps its ifindex): its alias and settings.
  std::string alias;
  std::optional<core::BridgeSettings> bridge;
};

struct HostSnapshot {
  std::vector<SnapshotLink> links;
  std::vector<NetlinkMessage> routes;  // RTM_NEWROUTE out of one of `links`, auto-made ones left out
  bool had_table = false;              // table inet failoverd existed
  std::string table_text;              // `nft list table inet failoverd` when it did

  const SnapshotLink* Find(int ifindex) const;
  nlohmann::json ToJson() const;
  static Result<HostSnapshot> FromJson(const nlohmann::json& json);
};

// The sysctls PrepareNic sets on a NIC, relative to /proc/sys/net, for `ifname`.
std::vector<std::string> NicSysctlPaths(const std::string& ifname);

// Whether an address message is one the kernel makes by itself (an IPv6
// link-local address), which is never replayed.
bool IsAutomaticAddress(const NetlinkMessage& message);
// Whether a route message is one the kernel makes by itself (protocol kernel,
// table local), which is never replayed.
bool IsAutomaticRoute(const NetlinkMessage& message);
// The output interface of a route message (RTA_OIF); 0 without one.
int RouteOutputInterface(const NetlinkMessage& message);
// "192.0.2.0/24 via 192.0.2.1" for messages; "?" for what cannot be read.
std::string DescribeRoute(const NetlinkMessage& message);

// The addresses on `ifindex` now that `recorded` (RTM_NEWADDR messages) lacks,
// link-local ones left out: what was added since the snapshot.
Result<std::vector<IpPrefix>> AddedAddresses(NetlinkRequester& rtnl, int ifindex,
                                             const std::vector<NetlinkMessage>& recorded);
// Whether `routes` hold a default route out of `ifindex` via `gateway`.
bool HasDefaultRouteVia(const std::vector<NetlinkMessage>& routes, int ifindex, const IpAddress& gateway);

// A copy of `message` (RTM_NEWADDR or RTM_NEWROUTE from a dump) turned into a
// creating request on `ifindex`.
NetlinkMessage ReplayOn(const NetlinkMessage& message, int ifindex);

// The snapshot of `links` (as just dumped): their addresses and sysctls, and the
// routes out of them.
Result<HostSnapshot> CaptureHost(NetlinkRequester& rtnl, const std::vector<core::LinkInfo>& links,
                                 const std::string& table_text, bool had_table);

// Replays addresses onto `ifindex`, and the routes that went out of `from` as
// routes out of `ifindex`; what is already there counts as done. Returns how many
// were added; errors name the first one refused.
Result<int> ReplayAddresses(NetlinkRequester& rtnl, const std::vector<NetlinkMessage>& addresses, int ifindex);
Result<int> ReplayRoutes(NetlinkRequester& rtnl, const std::vector<NetlinkMessage>& routes, int from, int ifindex);

}  // namespace failoverd::kernel
