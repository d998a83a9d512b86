// KernelOps: every change failoverd makes to links, as one interface, and the few
// reads it needs. The real implementation (failoverd/kernel/rtnl_ops.h) sends a
// netlink request and waits for its acknowledgement; unit tests use a fake that
// keeps a link table. Every call returns only after the kernel has answered.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/link.h"

namespace failoverd::core {

struct BridgeSpec {
  std::string name;
  MacAddress mac;
  bool stp = false;
  int forward_delay_s = 0;
};

// One next hop of a default route in the main routing table: out of `ifindex`, via
// `gateway` (none for a route straight out of the device).
struct DefaultRoute {
  int ifindex = 0;
  std::optional<IpAddress> gateway;
  bool operator==(const DefaultRoute&) const = default;
};

// What a bridge carries at layer 3, read back from the kernel: its global-scope
// addresses (link-local ones come and go with the link and are nobody's setting)
// and the gateways of the main table's default routes out of it. Both sorted.
struct L3State {
  std::vector<IpPrefix> addresses;
  std::vector<IpAddress> gateways;
  bool operator==(const L3State&) const = default;
};

// What someone configured on a link that failoverd did not put there: its global
// addresses, and the main table's routes out of it other than those the kernel
// derives from an address (a default route, a static route, a route learned from a
// router advertisement). A NIC carrying any of it is live: someone reaches the host
// through it, so failoverd leaves it alone.
struct LiveConfig {
  std::vector<IpPrefix> addresses;
  std::vector<std::string> routes;  // "the default route via 192.0.2.1", "route 10.0.0.0/8 via 192.0.2.254"
  bool empty() const { return addresses.empty() && routes.empty(); }
  bool operator==(const LiveConfig&) const = default;
};

class KernelOps {
 public:
  virtual ~KernelOps() = default;

  virtual Result<std::vector<LinkInfo>> DumpLinks() = 0;
  // Whether the link has carrier now, asked of the kernel directly: it answers with
  // the device's current state, while its notification of a carrier loss can come
  // up to a second late (link events are batched).
  virtual Result<bool> HasCarrier(int ifindex) = 0;
  // Renames a link; the caller brings it down first (the kernel refuses to rename an up link).
  virtual Status SetLinkName(int ifindex, const std::string& name) = 0;
  virtual Status SetLinkUp(int ifindex, bool up) = 0;
  // Enslaves `ifindex` to bridge `master_ifindex`; 0 releases it from its bridge.
  virtual Status SetMaster(int ifindex, int master_ifindex) = 0;
  // Creates a bridge, administratively down, with the given MAC, STP and forward delay.
  // Returns its ifindex.
  virtual Result<int> CreateBridge(const BridgeSpec& spec) = 0;
  // Makes a NIC answer nothing on its own: removes its addresses, disables IPv6,
  // sets arp_ignore so no ARP is answered for any local address, strict rp_filter.
  virtual Status PrepareNic(const std::string& name) = 0;
  // Adds an address / default route unless it is already there (already there is success).
  virtual Status EnsureAddress(int ifindex, const IpPrefix& prefix) = 0;
  virtual Status EnsureDefaultRoute(int ifindex, const IpAddress& gateway) = 0;
  // The reverse of the two above (already gone is success); used when a reload drops them.
  virtual Status RemoveAddress(int ifindex, const IpPrefix& prefix) = 0;
  virtual Status RemoveDefaultRoute(int ifindex, const IpAddress& gateway) = 0;
  // Gives an existing bridge the MAC, STP and forward delay of `spec` (its name is not changed).
  virtual Status UpdateBridge(int ifindex, const BridgeSpec& spec) = 0;
  // Sets a link's alias (IFLA_IFALIAS); "" removes it. For the mark on a bridge
  // `failoverd --migrate` takes over, and to put back the alias it had.
  virtual Status SetAlias(int ifindex, const std::string& alias) = 0;
  // Deletes a link (a bridge failoverd no longer wants); already gone is success.
  virtual Status DeleteLink(int ifindex) = 0;
  // Out of `port_ifindex`: a gratuitous ARP for each IPv4 address of the bridge and an
  // unsolicited neighbour advertisement for each IPv6 address, from the bridge's MAC,
  // plus one frame from every MAC learned behind the bridge on another port.
  virtual Status Announce(int port_ifindex, int bridge_ifindex) = 0;

  // Reads for the guard of `failoverctl isolate` (core/isolate_guard.h); they change nothing.
  // Every next hop of the main table's IPv4 and IPv6 default routes, whoever added them.
  virtual Result<std::vector<DefaultRoute>> ListDefaultRoutes() = 0;
  // The IPv4 and IPv6 addresses on `ifindex` (0: on every link), whoever added them
  // (DHCP, the administrator).
  virtual Result<std::vector<IpPrefix>> ListAddresses(int ifindex) = 0;
  // Reads what `ifindex` carries at layer 3 now (a read, no change): for recording
  // the state an `apply --confirm` may have to return to, and checking it came back.
  virtual Result<L3State> ReadL3(int ifindex) = 0;
  // Every link's LiveConfig that is not empty, by ifindex (a read, no change): for
  // telling a live interface from a fresh NIC at start, reload and hot-plug.
  virtual Result<std::map<int, LiveConfig>> ReadLiveConfigs() = 0;
};

}  // namespace failoverd::core
