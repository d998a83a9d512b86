// FakeKernel: a KernelOps that keeps a link table in memory and applies changes
// the way the kernel would (renames refused while up, names unique, masters must
// be bridges), recording every call. Tests cut "cables" by setting carrier. It also
// keeps the addresses and default routes added through it, and tests may add
// others' (a DHCP address, a default route set by hand).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "failoverd/core/kernel_ops.h"

namespace failoverd::testing {

class FakeKernel final : public core::KernelOps {
 public:
  // Adds a veth NIC with carrier; returns its ifindex.
  int AddNic(const std::string& name, const std::string& mac, bool carrier = true);
  void SetCarrier(int ifindex, bool carrier);
  void RemoveLink(int ifindex);
  core::LinkInfo& link(int ifindex) { return links_.at(ifindex); }
  const core::LinkInfo* FindByName(const std::string& name) const;
  // ifindexes enslaved to the bridge called `bridge`.
  std::vector<int> PortsOf(const std::string& bridge) const;

  // Every change as text ("rename 2 hweth0", "master 2 5", ...), in order.
  const std::vector<std::string>& calls() const { return calls_; }
  void ClearCalls() { calls_.clear(); }
  std::vector<std::string>* journal() { return &calls_; }
  // Makes the next calls of `op` ("master", "rename", ...) fail.
  void FailNext(const std::string& op) { fail_next_ = op; }
  // Makes every call of `op` fail until called again with "" (a kernel error that stays).
  void FailAlways(const std::string& op) { fail_always_ = op; }
  // How many calls of each op were made to fail.
  std::map<std::string, int> failed_calls;
  // Called after each recorded change with its text: lets a test act while a plan runs.
  std::function<void(const std::string&)> after_call;

  Result<std::vector<core::LinkInfo>> DumpLinks() override;
  Result<bool> HasCarrier(int ifindex) override;  // counted in carrier_queries, not in calls()
  Status SetLinkName(int ifindex, const std::string& name) override;
  Status SetLinkUp(int ifindex, bool up) override;
  Status SetMaster(int ifindex, int master_ifindex) override;
  Result<int> CreateBridge(const core::BridgeSpec& spec) override;
  Status PrepareNic(const std::string& name) override;
  Status EnsureAddress(int ifindex, const IpPrefix& prefix) override;
  Status EnsureDefaultRoute(int ifindex, const IpAddress& gateway) override;
  Status Announce(int port_ifindex, int bridge_ifindex) override;
  Status RemoveAddress(int ifindex, const IpPrefix& prefix) override;
  Status RemoveDefaultRoute(int ifindex, const IpAddress& gateway) override;
  Status UpdateBridge(int ifindex, const core::BridgeSpec& spec) override;
  Status SetAlias(int ifindex, const std::string& alias) override;
  Status DeleteLink(int ifindex) override;
  Result<std::vector<core::DefaultRoute>> ListDefaultRoutes() override;  // fails after FailNext("routes")
  Result<std::vector<IpPrefix>> ListAddresses(int ifindex) override;     // 0: all; fails after FailNext("addresses")
  Result<core::L3State> ReadL3(int ifindex) override;  // from `addresses` and `default_routes`
  // From `addresses` (IPv6 fe80::/10 left out), `default_routes` and `other_routes`;
  // fails after FailNext("live").
  Result<std::map<int, core::LiveConfig>> ReadLiveConfigs() override;

  std::map<int, std::vector<std::string>> addresses;  // ifindex -> "192.0.2.9/24"
  std::vector<core::DefaultRoute> default_routes;     // main table, every next hop
  std::map<int, std::vector<std::string>> other_routes;  // ifindex -> "route 10.0.0.0/8 via 192.0.2.254"
  // The gateways of the default routes out of `ifindex`, as text, in the order added.
  std::vector<std::string> GatewaysOf(int ifindex) const {
    std::vector<std::string> out;
    for (const auto& route : default_routes)
      if (route.ifindex == ifindex && route.gateway) out.push_back(route.gateway->ToString());
    return out;
  }
  std::vector<std::string> prepared;                  // NIC names given PrepareNic
  int carrier_queries = 0;                            // HasCarrier calls

 private:
  bool ShouldFail(const std::string& op);
  Status Record(const std::string& call);

  std::map<int, core::LinkInfo> links_;
  int next_ifindex_ = 2;
  std::vector<std::string> calls_;
  std::string fail_next_;
  std::string fail_always_;
};

}  // namespace failoverd::testing
