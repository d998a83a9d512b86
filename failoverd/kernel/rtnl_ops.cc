#include "failoverd/kernel/rtnl_ops.h"

#include <libmnl/libmnl.h>
#include <libudev.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
// After <net/if.h>: its libc-compat part then adds only IFF_LOWER_UP and friends.
#include <linux/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/announce.h"
#include "failoverd/kernel/device_info.h"
#include "failoverd/kernel/kernel_log.h"
#include "failoverd/kernel/link_parser.h"
#include "failoverd/kernel/route_requests.h"
#include "failoverd/kernel/sysctl.h"

namespace failoverd::kernel {

namespace {

// The bridge takes its timers as clock_t, in USER_HZ (1/100 s) ticks.
// br_set_forward_delay() accepts at most 30 s when STP is on.
constexpr int kMaxForwardDelaySeconds = 30;

ifinfomsg* PutLinkHeader(nlmsghdr* nlh, int ifindex) {
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  return ifi;
}

// Statistics make every link message several hundred bytes longer and we never
// read them; kernels that do not know the filter ignore it.
void SkipStats(nlmsghdr* nlh) { mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS); }

// MAC, STP and forward delay of a bridge, for its creation or a later change.
void PutBridgeSettings(nlmsghdr* nlh, const core::BridgeSpec& spec) {
  // A bridge given an address keeps it (addr_assign_type NET_ADDR_SET); one
  // without follows the lowest port MAC, which would change with every failover.
  if (!spec.mac.IsZero())
    mnl_attr_put(nlh, IFLA_ADDRESS, spec.mac.bytes.size(), spec.mac.bytes.data());
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  // The kernel applies IFLA_BR_FORWARD_DELAY before IFLA_BR_STP_STATE and only
  // range-checks it (2..30 s) when STP is already on, so a new bridge accepts
  // any delay here; with STP off the delay does not hold ports back.
  mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, static_cast<uint32_t>(spec.forward_delay_s * core::kUserHz));
  mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, spec.stp ? 1 : 0);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
}

// failoverd's mark on a bridge it made (core::kOwnerMark as the link's alias).
void PutOwnerMark(nlmsghdr* nlh) {
  mnl_attr_put(nlh, IFLA_IFALIAS, core::kOwnerMark.size(), core::kOwnerMark.data());
}

bool ValidNewName(const std::string& name) {
  return !name.empty() && name.size() < IFNAMSIZ &&
         name.find_first_of("/: \t\n") == std::string::npos;
}

}  // namespace

RtnlOps::RtnlOps() : log_(ComponentLogger(kNetlinkLogger)) {}

RtnlOps::~RtnlOps() {
  if (udev_) udev_unref(udev_);
}

Status RtnlOps::Open() {
  if (Status status = rtnl_.Open(); !status.ok()) return status;
  // Opened now, not at the first failover. Not fatal: an announcement then retries it.
  if (Status status = announcer_.Open(); !status.ok()) log_->warn("announcements: {}", status.message());
  if (!udev_) {
    udev_ = udev_new();
    // Not fatal: links then carry no ID_PATH, which only matters for path-based policies.
    if (!udev_) log_->warn("udev context: {}; links will have no udev path", std::strerror(errno));
  }
  return Status::Ok();
}

std::string RtnlOps::NameOf(int ifindex) {
  if (auto known = names_.find(ifindex); known != names_.end()) return known->second;
  char name[IF_NAMESIZE] = {};
  if (ifindex > 0 && if_indextoname(static_cast<unsigned>(ifindex), name)) return names_[ifindex] = name;
  return "ifindex " + std::to_string(ifindex);
}

Result<std::vector<core::LinkInfo>> RtnlOps::DumpLinks() {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETLINK, 0);
  PutLinkHeader(nlh, 0);
  SkipStats(nlh);
  std::vector<NetlinkMessage> messages;
  const NetlinkReply reply = rtnl_.Dump(nlh, &messages);
  if (!reply.ok()) return ReplyStatus("dump links", reply);
  std::vector<core::LinkInfo> links;
  links.reserve(messages.size());
  names_.clear();
  for (const NetlinkMessage& message : messages) {
    auto link = ParseLinkMessage(Header(message));
    if (!link) continue;
    devices_.Enrich(*link);
    names_[link->ifindex] = link->name;
    links.push_back(std::move(*link));
  }
  devices_.KeepOnly(links);
  log_->debug("dumped {} links", links.size());
  return links;
}

Result<core::LinkInfo> RtnlOps::QueryLink(nlmsghdr* request, const std::string& what) {
  SkipStats(request);
  std::vector<NetlinkMessage> replies;
  const NetlinkReply reply = rtnl_.Request(request, &replies);
  if (!reply.ok()) return ReplyStatus(what, reply);
  for (const NetlinkMessage& message : replies) {
    if (auto link = ParseLinkMessage(Header(message))) {
      names_[link->ifindex] = link->name;
      return *link;
    }
  }
  return Status::Error(what + ": no link in the kernel's answer");
}

Result<bool> RtnlOps::HasCarrier(int ifindex) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETLINK, 0);
  PutLinkHeader(nlh, ifindex);
  SkipStats(nlh);
  std::vector<NetlinkMessage> replies;
  const NetlinkReply reply = rtnl_.Request(nlh, &replies);
  if (!reply.ok()) return ReplyStatus("ifindex " + std::to_string(ifindex) + ": get link", reply);
  for (const NetlinkMessage& message : replies) {
    const nlmsghdr* header = Header(message);
    if (header->nlmsg_type != RTM_NEWLINK || header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) continue;
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(header));
    if (ifi->ifi_index == ifindex) return (ifi->ifi_flags & IFF_LOWER_UP) != 0;
  }
  return Status::Error("ifindex " + std::to_string(ifindex) + ": no link in the kernel's answer");
}

Result<core::LinkInfo> RtnlOps::GetLink(int ifindex) {
  auto link = GetKernelLink(ifindex);
  if (link.ok()) devices_.Enrich(link.value());
  return link;
}

Result<core::LinkInfo> RtnlOps::GetKernelLink(int ifindex) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETLINK, 0);
  PutLinkHeader(nlh, ifindex);
  return QueryLink(nlh, "ifindex " + std::to_string(ifindex) + ": get link");
}

Result<core::LinkInfo> RtnlOps::GetLinkByName(const std::string& name) {
  if (!ValidNewName(name)) return Status::Error(name + ": invalid interface name");
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETLINK, 0);
  PutLinkHeader(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto link = QueryLink(nlh, name + ": get link");
  if (link.ok()) devices_.Enrich(link.value());
  return link;
}

Status RtnlOps::ChangeLink(nlmsghdr* request, const std::string& what) {
  return ReplyStatus(what, rtnl_.Request(request));
}

Status RtnlOps::SetLinkName(int ifindex, const std::string& name) {
  const std::string old_name = NameOf(ifindex);
  const std::string what = old_name + ": rename to " + name;
  if (!ValidNewName(name)) return Status::Error(what + ": invalid interface name");
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_SETLINK, 0);
  PutLinkHeader(nlh, ifindex);
  // With ifi_index set, IFLA_IFNAME means "rename". Kernels before 6.2 refuse
  // (EBUSY) while the link is up, hence the contract's "bring it down first".
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  Status status = ChangeLink(nlh, what);
  if (!status.ok()) return status;
  devices_.Renamed(ifindex, name);
  names_[ifindex] = name;
  log_->info("{}: renamed to {}", old_name, name);
  return status;
}

Status RtnlOps::SetLinkUp(int ifindex, bool up) {
  const std::string name = NameOf(ifindex);
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_SETLINK, 0);
  ifinfomsg* ifi = PutLinkHeader(nlh, ifindex);
  ifi->ifi_change = IFF_UP;  // only this flag is touched
  ifi->ifi_flags = up ? IFF_UP : 0;
  Status status = ChangeLink(nlh, name + (up ? ": set up" : ": set down"));
  if (status.ok()) log_->info("{}: {}", name, up ? "up" : "down");
  return status;
}

Status RtnlOps::SetMaster(int ifindex, int master_ifindex) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_SETLINK, 0);
  PutLinkHeader(nlh, ifindex);
  // IFLA_MASTER 0 releases the link from whatever bridge it is in.
  mnl_attr_put_u32(nlh, IFLA_MASTER, static_cast<uint32_t>(master_ifindex));
  // The request goes first: on a failover every microsecond before it is outage, and
  // the names are only for the log.
  const NetlinkReply reply = rtnl_.Request(nlh);
  const std::string name = NameOf(ifindex);
  const std::string master = master_ifindex ? NameOf(master_ifindex) : "";
  Status status = ReplyStatus(master_ifindex ? name + ": set master " + master : name + ": release from bridge", reply);
  if (status.ok()) {
    if (master_ifindex)
      log_->info("{}: enslaved to {}", name, master);
    else
      log_->info("{}: released from its bridge", name);
  }
  return status;
}

Result<int> RtnlOps::CreateBridge(const core::BridgeSpec& spec) {
  const std::string what = spec.name + ": create bridge";
  if (!ValidNewName(spec.name)) return Status::Error(what + ": invalid interface name");
  if (spec.forward_delay_s < 0 || spec.forward_delay_s > kMaxForwardDelaySeconds)
    return Status::Error(what + ": forward delay must be 0.." +
                         std::to_string(kMaxForwardDelaySeconds) + " s");
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  PutLinkHeader(nlh, 0);  // created administratively down: no IFF_UP
  mnl_attr_put_strz(nlh, IFLA_IFNAME, spec.name.c_str());
  PutBridgeSettings(nlh, spec);
  if (Status status = ReplyStatus(what, rtnl_.Request(nlh)); !status.ok()) return status;
  // The kernel takes no alias in the message that creates a link: the mark follows at
  // once, while the bridge is still down and without ports. (A daemon that dies in
  // between leaves a bridge the next start takes back: see OwnedAtStart.)
  RequestBuffer mark_buffer;
  nlmsghdr* mark = StartRequest(mark_buffer, RTM_NEWLINK, 0);
  PutLinkHeader(mark, 0);
  mnl_attr_put_strz(mark, IFLA_IFNAME, spec.name.c_str());
  PutOwnerMark(mark);
  if (Status status = ReplyStatus(what + ": mark as failoverd's", rtnl_.Request(mark)); !status.ok()) return status;

  RequestBuffer get_buffer;
  nlmsghdr* get = StartRequest(get_buffer, RTM_GETLINK, 0);
  PutLinkHeader(get, 0);
  mnl_attr_put_strz(get, IFLA_IFNAME, spec.name.c_str());
  auto link = QueryLink(get, what);
  if (!link.ok()) return link.status();
  log_->info("{}: bridge created (ifindex {}, mac {}, stp {}, forward delay {} s)", spec.name,
             link->ifindex, link->mac.ToString(), spec.stp ? "on" : "off", spec.forward_delay_s);
  return link->ifindex;
}

Status RtnlOps::PrepareNic(const std::string& name) {
  if (!ValidNewName(name)) return Status::Error(name + ": invalid interface name");
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_GETLINK, 0);
  PutLinkHeader(nlh, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto link = QueryLink(nlh, name + ": prepare");
  if (!link.ok()) return link.status();

  // Sysctls first: once IPv6 is off and accept_ra is 0, no address can come
  // back (SLAAC, link-local on the next link-up) between the dump and the deletes.
  if (Status status = ApplyNicSysctls(name); !status.ok()) return status;

  auto addresses = DumpAddresses(rtnl_, link->ifindex);
  if (!addresses.ok()) return Status::Error(name + ": prepare: " + addresses.message());
  int removed = 0;
  for (const KernelAddress& address : addresses.value()) {
    const std::string what = name + ": delete address " + address.prefix.ToString();
    auto request = BuildDeleteAddressRequest(address);
    if (!request.ok()) return Status::Error(what + ": " + request.message());
    const NetlinkReply reply = rtnl_.Request(request.value());
    // Deleting a primary IPv4 address takes its secondaries with it (unless
    // promote_secondaries is set), so later deletes may find them gone.
    if (reply.error == -EADDRNOTAVAIL) continue;
    if (Status status = ReplyStatus(what, reply); !status.ok()) return status;
    ++removed;
  }
  log_->info("{}: prepared as a NIC (removed {} addresses, IPv6 off, ARP silenced)", name, removed);
  return Status::Ok();
}

Status RtnlOps::EnsureAddress(int ifindex, const IpPrefix& prefix) {
  const std::string name = NameOf(ifindex);
  const std::string what = name + ": add address " + prefix.ToString();
  auto request = BuildAddAddressRequest(ifindex, prefix);
  if (!request.ok()) return Status::Error(what + ": " + request.message());
  const NetlinkReply reply = rtnl_.Request(request.value());
  if (reply.error == -EEXIST) {
    log_->debug("{}: address {} already there", name, prefix.ToString());
    return Status::Ok();
  }
  Status status = ReplyStatus(what, reply);
  if (status.ok()) log_->info("{}: address {} added", name, prefix.ToString());
  return status;
}

Status RtnlOps::EnsureDefaultRoute(int ifindex, const IpAddress& gateway) {
  const std::string name = NameOf(ifindex);
  const std::string what = name + ": add default route via " + gateway.ToString();
  auto request = BuildAddDefaultRouteRequest(ifindex, gateway);
  if (!request.ok()) return Status::Error(what + ": " + request.message());
  const NetlinkReply reply = rtnl_.Request(request.value());
  if (reply.error != -EEXIST) {
    Status status = ReplyStatus(what, reply);
    if (status.ok()) log_->info("{}: default route via {} added", name, gateway.ToString());
    return status;
  }
  // NLM_F_EXCL answers EEXIST for any default route of the same metric, also
  // one via another gateway; only ours counts as "already there".
  NetlinkMessage dump_request = BuildRouteDumpRequest(gateway.family);
  std::vector<NetlinkMessage> routes;
  const NetlinkReply dump = rtnl_.Dump(reinterpret_cast<nlmsghdr*>(dump_request.data()), &routes);
  if (!dump.ok()) return ReplyStatus(what + ": dump routes", dump);
  for (const NetlinkMessage& message : routes) {
    auto route = ParseDefaultRoute(Header(message));
    if (route && route->ifindex == ifindex && route->gateway == gateway) {
      log_->debug("{}: default route via {} already there", name, gateway.ToString());
      return Status::Ok();
    }
  }
  return Status::Error(what + ": another default route is in the way");
}

Status RtnlOps::RemoveAddress(int ifindex, const IpPrefix& prefix) {
  const std::string name = NameOf(ifindex);
  const std::string what = name + ": delete address " + prefix.ToString();
  KernelAddress address;
  address.ifindex = ifindex;
  address.prefix = prefix;
  auto request = BuildDeleteAddressRequest(address);
  if (!request.ok()) return Status::Error(what + ": " + request.message());
  const NetlinkReply reply = rtnl_.Request(request.value());
  if (reply.error == -EADDRNOTAVAIL) return Status::Ok();
  Status status = ReplyStatus(what, reply);
  if (status.ok()) log_->info("{}: address {} removed", name, prefix.ToString());
  return status;
}

Status RtnlOps::RemoveDefaultRoute(int ifindex, const IpAddress& gateway) {
  const std::string name = NameOf(ifindex);
  const std::string what = name + ": delete default route via " + gateway.ToString();
  auto request = BuildDeleteDefaultRouteRequest(ifindex, gateway);
  if (!request.ok()) return Status::Error(what + ": " + request.message());
  const NetlinkReply reply = rtnl_.Request(request.value());
  if (reply.error == -ESRCH) return Status::Ok();
  Status status = ReplyStatus(what, reply);
  if (status.ok()) log_->info("{}: default route via {} removed", name, gateway.ToString());
  return status;
}

Status RtnlOps::UpdateBridge(int ifindex, const core::BridgeSpec& spec) {
  const std::string name = NameOf(ifindex);
  if (spec.forward_delay_s < 0 || spec.forward_delay_s > kMaxForwardDelaySeconds)
    return Status::Error(name + ": update bridge: forward delay must be 0.." + std::to_string(kMaxForwardDelaySeconds) +
                         " s");
  // The kernel sets the forward delay before the STP state and range-checks it (2..30 s)
  // while STP is on, so turning STP off together with a shorter delay is refused
  // (ERANGE): STP goes off on its own first.
  if (!spec.stp) {
    RequestBuffer buffer;
    nlmsghdr* nlh = StartRequest(buffer, RTM_NEWLINK, 0);
    PutLinkHeader(nlh, ifindex);
    nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    if (Status off = ChangeLink(nlh, name + ": update bridge: stp off"); !off) return off;
  }
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWLINK, 0);
  PutLinkHeader(nlh, ifindex);
  PutBridgeSettings(nlh, spec);
  PutOwnerMark(nlh);  // a bridge made before marks existed gets it here
  Status status = ChangeLink(nlh, name + ": update bridge");
  if (status.ok())
    log_->info("{}: bridge updated (mac {}, stp {}, forward delay {} s)", name, spec.mac.ToString(),
               spec.stp ? "on" : "off", spec.forward_delay_s);
  return status;
}

Status RtnlOps::SetAlias(int ifindex, const std::string& alias) {
  const std::string name = NameOf(ifindex);
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_NEWLINK, 0);
  PutLinkHeader(nlh, ifindex);
  // An empty alias (no terminating NUL either) is how the kernel is told to drop it.
  mnl_attr_put(nlh, IFLA_IFALIAS, alias.size(), alias.data());
  Status status = ChangeLink(nlh, name + ": set alias");
  if (status.ok()) log_->info("{}: alias {}", name, alias.empty() ? "removed" : "'" + alias + "'");
  return status;
}

Status RtnlOps::DeleteLink(int ifindex) {
  const std::string name = NameOf(ifindex);
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, RTM_DELLINK, 0);
  PutLinkHeader(nlh, ifindex);
  const NetlinkReply reply = rtnl_.Request(nlh);
  if (reply.ok() || reply.error == -ENODEV) names_.erase(ifindex);  // the kernel may give the ifindex out again
  if (reply.error == -ENODEV) return Status::Ok();
  Status status = ReplyStatus(name + ": delete link", reply);
  if (status.ok()) log_->info("{}: deleted", name);
  return status;
}

Status RtnlOps::Announce(int port_ifindex, int bridge_ifindex) {
  // The kernel's facts only (name, MAC, kind): the sysfs and udev reads GetLink adds
  // would cost ~30 us per link right after a failover, for nothing an announcement uses.
  auto port = GetKernelLink(port_ifindex);
  if (!port.ok()) return port.status();
  auto bridge = GetKernelLink(bridge_ifindex);
  if (!bridge.ok()) return bridge.status();
  if (!bridge->is_bridge())
    return Status::Error(port->name + ": announce " + bridge->name + ": not a bridge");
  auto counts = AnnounceBridge(rtnl_, announcer_, port.value(), bridge.value());
  return counts.status();
}

Result<std::vector<RouteHop>> RtnlOps::DumpMainRoutes() {
  std::vector<RouteHop> routes;
  for (const IpFamily family : {IpFamily::kV4, IpFamily::kV6}) {
    NetlinkMessage request = BuildRouteDumpRequest(family);
    std::vector<NetlinkMessage> messages;
    const NetlinkReply dump = rtnl_.Dump(reinterpret_cast<nlmsghdr*>(request.data()), &messages);
    // A kernel built without IPv6 has no IPv6 routes to dump.
    if (family == IpFamily::kV6 && dump.error == -EAFNOSUPPORT) continue;
    if (!dump.ok()) return ReplyStatus("dump routes", dump);
    for (const NetlinkMessage& message : messages)
      for (const RouteHop& hop : ParseRouteHops(Header(message))) routes.push_back(hop);
  }
  return routes;
}

Result<std::vector<core::DefaultRoute>> RtnlOps::ListDefaultRoutes() {
  auto routes = DumpMainRoutes();
  if (!routes) return routes.status();
  std::vector<core::DefaultRoute> defaults;
  for (const RouteHop& hop : *routes)
    if (!hop.destination) defaults.push_back({hop.ifindex, hop.gateway});
  return defaults;
}

Result<std::vector<IpPrefix>> RtnlOps::ListAddresses(int ifindex) {
  auto addresses = DumpAddresses(rtnl_, ifindex);
  if (!addresses.ok()) return Status::Error(NameOf(ifindex) + ": " + addresses.message());
  std::vector<IpPrefix> prefixes;
  for (const KernelAddress& address : addresses.value()) prefixes.push_back(address.prefix);
  return prefixes;
}

Result<core::L3State> RtnlOps::ReadL3(int ifindex) {
  const std::string name = NameOf(ifindex);
  auto addresses = DumpAddresses(rtnl_, ifindex);
  if (!addresses.ok()) return Status::Error(name + ": read addresses: " + addresses.message());
  core::L3State state;
  for (const KernelAddress& address : addresses.value())
    if (address.scope == RT_SCOPE_UNIVERSE) state.addresses.push_back(address.prefix);
  auto routes = ListDefaultRoutes();
  if (!routes.ok()) return Status::Error(name + ": read routes: " + routes.message());
  for (const core::DefaultRoute& hop : routes.value())
    if (hop.ifindex == ifindex && hop.gateway) state.gateways.push_back(*hop.gateway);
  std::sort(state.addresses.begin(), state.addresses.end());
  std::sort(state.gateways.begin(), state.gateways.end());
  return state;
}

Result<std::map<int, core::LiveConfig>> RtnlOps::ReadLiveConfigs() {
  std::map<int, core::LiveConfig> configs;
  auto addresses = DumpAddresses(rtnl_, /*ifindex=*/0);
  if (!addresses.ok()) return Status::Error("read addresses: " + addresses.message());
  for (const KernelAddress& address : addresses.value())
    // Global (and site) scope only: link-local addresses come and go with the link.
    if (address.scope == RT_SCOPE_UNIVERSE || address.scope == RT_SCOPE_SITE)
      configs[address.ifindex].addresses.push_back(address.prefix);
  auto routes = DumpMainRoutes();
  if (!routes) return routes.status();
  for (const RouteHop& hop : *routes) {
    // The kernel's own routes for an address's subnet (and fe80::/64) are the address's.
    if (hop.protocol == RTPROT_KERNEL) continue;
    std::string text = hop.destination ? "route " + hop.destination->ToString() : "the default route";
    if (hop.gateway) text += " via " + hop.gateway->ToString();
    configs[hop.ifindex].routes.push_back(text);
  }
  std::erase_if(configs, [](const auto& entry) { return entry.second.empty(); });
  return configs;
}

}  // namespace failoverd::kernel
