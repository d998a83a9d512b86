// RtnlOps: the real KernelOps. Every change is one rtnetlink request on a
// dedicated request socket whose acknowledgement is awaited; a refusal comes
// back as Status::Error("IFNAME: OPERATION: strerror").
//
// Division of labour between the two netlink libraries:
//  - libmnl builds and parses the raw link messages, because libnl-route 3.7
//    does not expose what we need there (IFLA_PERM_ADDRESS, IFLA_LINKINFO kind,
//    bridge IFLA_INFO_DATA at creation) — DumpLinks, SetLinkName, SetLinkUp,
//    SetMaster, CreateBridge, and the address/FDB dumps;
//  - libnl-route-3 lays out address and route objects (EnsureAddress,
//    EnsureDefaultRoute, the address deletes of PrepareNic); the messages are
//    still sent on our socket so errors carry the kernel's errno.
// Owned by the daemon; one instance per network namespace; not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "failoverd/core/kernel_ops.h"
#include "failoverd/kernel/announce.h"
#include "failoverd/kernel/device_info.h"
#include "failoverd/kernel/netlink_requester.h"
#include "failoverd/kernel/route_requests.h"

struct udev;
struct nlmsghdr;
namespace spdlog {
class logger;
}

namespace failoverd::kernel {

class RtnlOps final : public core::KernelOps {
 public:
  RtnlOps();
  ~RtnlOps() override;
  RtnlOps(const RtnlOps&) = delete;
  RtnlOps& operator=(const RtnlOps&) = delete;

  // Opens the request socket and the udev context used to enrich links.
  Status Open();

  Result<std::vector<core::LinkInfo>> DumpLinks() override;
  Result<bool> HasCarrier(int ifindex) override;
  Status SetLinkName(int ifindex, const std::string& name) override;
  Status SetLinkUp(int ifindex, bool up) override;
  Status SetMaster(int ifindex, int master_ifindex) override;
  Result<int> CreateBridge(const core::BridgeSpec& spec) override;
  Status PrepareNic(const std::string& name) override;
  Status EnsureAddress(int ifindex, const IpPrefix& prefix) override;
  Status EnsureDefaultRoute(int ifindex, const IpAddress& gateway) override;
  Status RemoveAddress(int ifindex, const IpPrefix& prefix) override;
  Status RemoveDefaultRoute(int ifindex, const IpAddress& gateway) override;
  Status UpdateBridge(int ifindex, const core::BridgeSpec& spec) override;
  Status SetAlias(int ifindex, const std::string& alias) override;
  Status DeleteLink(int ifindex) override;
  Status Announce(int port_ifindex, int bridge_ifindex) override;
  Result<std::vector<core::DefaultRoute>> ListDefaultRoutes() override;
  Result<std::vector<IpPrefix>> ListAddresses(int ifindex) override;
  Result<core::L3State> ReadL3(int ifindex) override;
  Result<std::map<int, core::LiveConfig>> ReadLiveConfigs() override;

  // One link by index or name (RTM_GETLINK), enriched like DumpLinks.
  Result<core::LinkInfo> GetLink(int ifindex);
  Result<core::LinkInfo> GetLinkByName(const std::string& name);

 private:
  // Every next hop of the main table's unicast routes, IPv4 and IPv6.
  Result<std::vector<RouteHop>> DumpMainRoutes();
  Result<core::LinkInfo> QueryLink(nlmsghdr* request, const std::string& what);
  // GetLink without the sysfs and udev facts (physical, driver, path, udev_ready).
  Result<core::LinkInfo> GetKernelLink(int ifindex);
  // The name of `ifindex` for messages ("ifindex 7" if it has none): as the last dump,
  // query or rename here saw it, else asked of the kernel (if_indextoname opens a
  // socket each time: four per NIC and bridge at a start, and two on an attach).
  std::string NameOf(int ifindex);
  // Sends an RTM_SETLINK for `ifindex` built by the caller and awaits the ack.
  Status ChangeLink(nlmsghdr* request, const std::string& what);

  NetlinkRequester rtnl_;
  PacketSender announcer_;  // announcement frames
  udev* udev_ = nullptr;
  DeviceInfoCache devices_ = MakeDeviceInfoCache(&udev_);  // holds &udev_: RtnlOps never moves
  std::unordered_map<int, std::string> names_;              // for NameOf
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace failoverd::kernel
