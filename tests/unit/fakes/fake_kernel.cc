#include "fake_kernel.h"

#include <algorithm>

namespace failoverd::testing {

int FakeKernel::AddNic(const std::string& name, const std::string& mac, bool carrier) {
  core::LinkInfo link;
  link.ifindex = next_ifindex_++;
  link.name = name;
  link.kind = "veth";
  link.mac = *MacAddress::Parse(mac);
  link.carrier = carrier;
  link.driver = "veth";
  links_[link.ifindex] = link;
  return link.ifindex;
}

void FakeKernel::SetCarrier(int ifindex, bool carrier) { links_.at(ifindex).carrier = carrier; }

void FakeKernel::RemoveLink(int ifindex) { links_.erase(ifindex); }

const core::LinkInfo* FakeKernel::FindByName(const std::string& name) const {
  for (const auto& [ifindex, link] : links_)
    if (link.name == name) return &link;
  return nullptr;
}

std::vector<int> FakeKernel::PortsOf(const std::string& bridge) const {
  std::vector<int> ports;
  const core::LinkInfo* master = FindByName(bridge);
  if (!master) return ports;
  for (const auto& [ifindex, link] : links_)
    if (link.master == master->ifindex) ports.push_back(ifindex);
  return ports;
}

bool FakeKernel::ShouldFail(const std::string& op) {
  if (fail_always_ == op) {
    ++failed_calls[op];
    return true;
  }
  if (fail_next_ != op) return false;
  fail_next_.clear();
  ++failed_calls[op];
  return true;
}

Status FakeKernel::Record(const std::string& call) {
  calls_.push_back(call);
  if (after_call) after_call(call);
  return Status::Ok();
}

Result<std::vector<core::LinkInfo>> FakeKernel::DumpLinks() {
  if (ShouldFail("dump")) return Status::Error("dump links: Interrupted system call (dump kept changing under us)");
  std::vector<core::LinkInfo> out;
  for (const auto& [ifindex, link] : links_) out.push_back(link);
  return out;
}

Result<bool> FakeKernel::HasCarrier(int ifindex) {
  ++carrier_queries;
  if (ShouldFail("carrier")) return Status::Error("get link: injected failure");
  auto it = links_.find(ifindex);
  if (it == links_.end()) return Status::Error("ifindex " + std::to_string(ifindex) + ": get link: No such device");
  return it->second.carrier;
}

Status FakeKernel::SetLinkName(int ifindex, const std::string& name) {
  if (ShouldFail("rename")) return Status::Error("injected failure");
  auto& link = links_.at(ifindex);
  if (link.admin_up) return Status::Error(link.name + ": rename: Device or resource busy");
  if (FindByName(name)) return Status::Error(link.name + ": rename: File exists");
  link.name = name;
  return Record("rename " + std::to_string(ifindex) + " " + name);
}

Status FakeKernel::SetLinkUp(int ifindex, bool up) {
  links_.at(ifindex).admin_up = up;
  return Record(std::string(up ? "up " : "down ") + links_.at(ifindex).name);
}

Status FakeKernel::SetMaster(int ifindex, int master_ifindex) {
  if (ShouldFail("master")) return Status::Error("injected failure");
  auto& link = links_.at(ifindex);
  if (master_ifindex != 0) {
    auto master = links_.find(master_ifindex);
    if (master == links_.end() || !master->second.is_bridge()) return Status::Error("not a bridge");
    link.master = master_ifindex;
    return Record("attach " + link.name + " " + master->second.name);
  }
  link.master = 0;
  return Record("detach " + link.name);
}

Result<int> FakeKernel::CreateBridge(const core::BridgeSpec& spec) {
  if (ShouldFail("bridge")) return Status::Error("injected failure");
  if (FindByName(spec.name)) return Status::Error(spec.name + ": create: File exists");
  core::LinkInfo link;
  link.ifindex = next_ifindex_++;
  link.name = spec.name;
  link.kind = "bridge";
  link.mac = spec.mac;
  link.carrier = true;
  link.alias = core::kOwnerMark;  // as the real edge marks it
  link.bridge_settings = core::BridgeSettings{spec.stp, spec.forward_delay_s * core::kUserHz};
  links_[link.ifindex] = link;
  Record("bridge " + spec.name + " " + spec.mac.ToString());
  return link.ifindex;
}

Status FakeKernel::PrepareNic(const std::string& name) {
  prepared.push_back(name);
  return Status::Ok();
}

Status FakeKernel::EnsureAddress(int ifindex, const IpPrefix& prefix) {
  auto& list = addresses[ifindex];
  const std::string text = prefix.ToString();
  for (const auto& existing : list)
    if (existing == text) return Status::Ok();
  list.push_back(text);
  return Record("address " + links_.at(ifindex).name + " " + text);
}

Status FakeKernel::EnsureDefaultRoute(int ifindex, const IpAddress& gateway) {
  // Like the kernel: a down link has no subnet routes, so no gateway is reachable through it.
  if (!links_.at(ifindex).admin_up)
    return Status::Error(links_.at(ifindex).name + ": add default route via " + gateway.ToString() +
                         ": Network is unreachable (Nexthop has invalid gateway)");
  const core::DefaultRoute route{ifindex, gateway};
  if (std::find(default_routes.begin(), default_routes.end(), route) == default_routes.end())
    default_routes.push_back(route);
  return Record("route " + links_.at(ifindex).name + " via " + gateway.ToString());
}

Status FakeKernel::Announce(int port_ifindex, int bridge_ifindex) {
  return Record("announce " + links_.at(port_ifindex).name + " " + links_.at(bridge_ifindex).name);
}

Status FakeKernel::RemoveAddress(int ifindex, const IpPrefix& prefix) {
  auto& list = addresses[ifindex];
  const std::string text = prefix.ToString();
  std::erase(list, text);
  return Record("unaddress " + links_.at(ifindex).name + " " + text);
}

Status FakeKernel::RemoveDefaultRoute(int ifindex, const IpAddress& gateway) {
  std::erase(default_routes, core::DefaultRoute{ifindex, gateway});
  return Record("unroute " + links_.at(ifindex).name + " via " + gateway.ToString());
}

Status FakeKernel::UpdateBridge(int ifindex, const core::BridgeSpec& spec) {
  auto& link = links_.at(ifindex);
  link.mac = spec.mac;
  link.alias = core::kOwnerMark;
  link.bridge_settings = core::BridgeSettings{spec.stp, spec.forward_delay_s * core::kUserHz};
  return Record("update " + link.name + " " + spec.mac.ToString() + " stp " + (spec.stp ? "on" : "off"));
}

Status FakeKernel::SetAlias(int ifindex, const std::string& alias) {
  if (ShouldFail("alias")) return Status::Error("injected failure");
  auto& link = links_.at(ifindex);
  link.alias = alias;
  return Record("alias " + link.name + " '" + alias + "'");
}

Status FakeKernel::DeleteLink(int ifindex) {
  if (ShouldFail("delete")) return Status::Error("injected failure");
  auto it = links_.find(ifindex);
  if (it == links_.end()) return Status::Ok();
  const std::string name = it->second.name;
  for (auto& [index, link] : links_)
    if (link.master == ifindex) link.master = 0;  // the kernel releases the ports
  addresses.erase(ifindex);
  std::erase_if(default_routes, [&](const core::DefaultRoute& route) { return route.ifindex == ifindex; });
  links_.erase(it);
  return Record("delete " + name);
}

Result<std::vector<core::DefaultRoute>> FakeKernel::ListDefaultRoutes() {
  if (ShouldFail("routes")) return Status::Error("dump routes: injected failure");
  return default_routes;
}

Result<std::vector<IpPrefix>> FakeKernel::ListAddresses(int ifindex) {
  if (ShouldFail("addresses")) return Status::Error("dump addresses: injected failure");
  std::vector<IpPrefix> prefixes;
  for (const auto& [index, list] : addresses)
    if (ifindex == 0 || index == ifindex)
      for (const auto& text : list) prefixes.push_back(*IpPrefix::Parse(text));
  return prefixes;
}

Result<core::L3State> FakeKernel::ReadL3(int ifindex) {
  if (ShouldFail("read-l3")) return Status::Error("read addresses: injected failure");
  if (!links_.count(ifindex)) return Status::Error("ifindex " + std::to_string(ifindex) + ": No such device");
  core::L3State state;
  for (const auto& text : addresses[ifindex]) state.addresses.push_back(*IpPrefix::Parse(text));
  for (const auto& route : default_routes)
    if (route.ifindex == ifindex && route.gateway) state.gateways.push_back(*route.gateway);
  std::sort(state.addresses.begin(), state.addresses.end());
  std::sort(state.gateways.begin(), state.gateways.end());
  return state;
}

Result<std::map<int, core::LiveConfig>> FakeKernel::ReadLiveConfigs() {
  if (ShouldFail("live")) return Status::Error("read addresses: injected failure");
  std::map<int, core::LiveConfig> configs;
  for (const auto& [ifindex, texts] : addresses)
    for (const auto& text : texts) {
      const IpPrefix prefix = *IpPrefix::Parse(text);
      const bool link_local = prefix.address.family == IpFamily::kV6 && prefix.address.bytes[0] == 0xfe &&
                              (prefix.address.bytes[1] & 0xc0) == 0x80;
      if (!link_local) configs[ifindex].addresses.push_back(prefix);
    }
  for (const auto& route : default_routes)
    configs[route.ifindex].routes.push_back("the default route" +
                                            (route.gateway ? " via " + route.gateway->ToString() : std::string()));
  for (const auto& [ifindex, texts] : other_routes)
    for (const auto& text : texts) configs[ifindex].routes.push_back(text);
  std::erase_if(configs, [](const auto& entry) { return entry.second.empty(); });
  return configs;
}

}  // namespace failoverd::testing
