#include "failoverd/kernel/host_snapshot.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <fstream>
#include <set>

#include "failoverd/kernel/address_dump.h"
#include "failoverd/kernel/sysctl.h"

namespace failoverd::kernel {

namespace {

std::string ToHex(const NetlinkMessage& message) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  const size_t length = message.size() >= sizeof(nlmsghdr) ? Header(message)->nlmsg_len : 0;
  for (size_t i = 0; i < length && i < message.size(); ++i) {
    out += kDigits[message[i] >> 4];
    out += kDigits[message[i] & 0xf];
  }
  return out;
}

std::optional<NetlinkMessage> FromHex(const std::string& text, uint16_t type) {
  if (text.size() % 2 != 0 || text.size() < 2 * sizeof(nlmsghdr)) return std::nullopt;
  NetlinkMessage bytes;
  for (size_t i = 0; i < text.size(); i += 2) {
    const std::string pair = text.substr(i, 2);
    if (pair.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(std::stoi(pair, nullptr, 16)));
  }
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data());
  if (nlh->nlmsg_len != bytes.size() || nlh->nlmsg_type != type) return std::nullopt;
  return CopyNetlinkMessage(nlh);  // aligned and padded like a received one
}

using RouteAttributes = std::array<const nlattr*, RTA_MAX + 1>;

int CollectRouteAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<RouteAttributes*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

bool ParseRoute(const NetlinkMessage& message, const rtmsg** rtm, RouteAttributes& attrs) {
  const nlmsghdr* nlh = Header(message);
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(rtmsg)) return false;
  *rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  attrs.fill(nullptr);
  return mnl_attr_parse(nlh, sizeof(rtmsg), CollectRouteAttribute, &attrs) >= 0;
}

uint32_t RouteTable(const rtmsg* rtm, const RouteAttributes& attrs) {
  if (attrs[RTA_TABLE] && mnl_attr_get_payload_len(attrs[RTA_TABLE]) >= sizeof(uint32_t))
    return mnl_attr_get_u32(attrs[RTA_TABLE]);
  return rtm->rtm_table;
}

// An address attribute of a route message, in the route's family (zero when absent or malformed).
IpAddress RouteAddress(const rtmsg* rtm, const nlattr* attr) {
  IpAddress ip;
  ip.family = rtm->rtm_family == AF_INET6 ? IpFamily::kV6 : IpFamily::kV4;
  if (attr && mnl_attr_get_payload_len(attr) == ip.size())
    std::memcpy(ip.bytes.data(), mnl_attr_get_payload(attr), ip.size());
  return ip;
}

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

Result<std::vector<NetlinkMessage>> DumpAll(NetlinkRequester& rtnl, uint16_t type, size_t header_size) {
  RequestBuffer buffer;
  nlmsghdr* nlh = StartRequest(buffer, type, 0);
  auto* family = static_cast<uint8_t*>(mnl_nlmsg_put_extra_header(nlh, header_size));
  *family = AF_UNSPEC;  // the first byte of ifaddrmsg and rtmsg alike
  std::vector<NetlinkMessage> messages;
  const NetlinkReply reply = rtnl.Dump(nlh, &messages);
  if (!reply.ok()) return ReplyStatus(type == RTM_GETADDR ? "address dump" : "route dump", reply);
  return messages;
}

Result<int> Replay(NetlinkRequester& rtnl, const std::vector<NetlinkMessage>& messages, int from, int ifindex,
                   const char* what) {
  int added = 0;
  for (const auto& message : messages) {
    if (from != 0 && RouteOutputInterface(message) != from) continue;
    const NetlinkReply reply = rtnl.Request(ReplayOn(message, ifindex));
    if (reply.error == -EEXIST) continue;
    if (!reply.ok()) return ReplyStatus(std::string(what) + " " + std::to_string(added + 1), reply);
    ++added;
  }
  return added;
}

}  // namespace

const SnapshotLink* HostSnapshot::Find(int ifindex) const {
  for (const auto& link : links)
    if (link.ifindex == ifindex) return &link;
  return nullptr;
}

std::vector<std::string> NicSysctlPaths(const std::string& ifname) {
  return {"ipv6/conf/" + ifname + "/accept_ra", "ipv6/conf/" + ifname + "/disable_ipv6",
          "ipv4/conf/" + ifname + "/arp_ignore", "ipv4/conf/" + ifname + "/arp_announce",
          "ipv4/conf/" + ifname + "/rp_filter"};
}

bool IsAutomaticAddress(const NetlinkMessage& message) {
  const nlmsghdr* nlh = Header(message);
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) return true;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  return ifa->ifa_family == AF_INET6 && ifa->ifa_scope == RT_SCOPE_LINK;
}

bool IsAutomaticRoute(const NetlinkMessage& message) {
  const rtmsg* rtm = nullptr;
  RouteAttributes attrs{};
  if (!ParseRoute(message, &rtm, attrs)) return true;
  return rtm->rtm_protocol == RTPROT_KERNEL || RouteTable(rtm, attrs) == RT_TABLE_LOCAL ||
         (rtm->rtm_family == AF_INET6 && rtm->rtm_type == RTN_MULTICAST);
}

int RouteOutputInterface(const NetlinkMessage& message) {
  const rtmsg* rtm = nullptr;
  RouteAttributes attrs{};
  if (!ParseRoute(message, &rtm, attrs) || !attrs[RTA_OIF]) return 0;
  return static_cast<int>(mnl_attr_get_u32(attrs[RTA_OIF]));
}

std::string DescribeRoute(const NetlinkMessage& message) {
  const rtmsg* rtm = nullptr;
  RouteAttributes attrs{};
  if (!ParseRoute(message, &rtm, attrs)) return "?";
  std::string text = rtm->rtm_dst_len == 0 ? "default"
                                           : IpPrefix{RouteAddress(rtm, attrs[RTA_DST]), rtm->rtm_dst_len}.ToString();
  if (attrs[RTA_GATEWAY]) text += " via " + RouteAddress(rtm, attrs[RTA_GATEWAY]).ToString();
  return text;
}

Result<std::vector<IpPrefix>> AddedAddresses(NetlinkRequester& rtnl, int ifindex,
                                             const std::vector<NetlinkMessage>& recorded) {
  std::set<IpPrefix> before;
  for (const auto& message : recorded)
    if (auto address = ParseAddressMessage(Header(message))) before.insert(address->prefix);
  auto now = DumpAddresses(rtnl, ifindex);
  if (!now) return now.status();
  std::vector<IpPrefix> added;
  for (const auto& address : *now) {
    const bool link_local = address.prefix.address.family == IpFamily::kV6 && address.scope == RT_SCOPE_LINK;
    if (address.ifindex == ifindex && !link_local && !before.count(address.prefix)) added.push_back(address.prefix);
  }
  return added;
}

bool HasDefaultRouteVia(const std::vector<NetlinkMessage>& routes, int ifindex, const IpAddress& gateway) {
  for (const auto& route : routes) {
    const rtmsg* rtm = nullptr;
    RouteAttributes attrs{};
    if (!ParseRoute(route, &rtm, attrs) || rtm->rtm_dst_len != 0 || !attrs[RTA_GATEWAY] || !attrs[RTA_OIF]) continue;
    const int oif = static_cast<int>(mnl_attr_get_u32(attrs[RTA_OIF]));
    if (oif == ifindex && RouteAddress(rtm, attrs[RTA_GATEWAY]) == gateway) return true;
  }
  return false;
}

NetlinkMessage ReplayOn(const NetlinkMessage& message, int ifindex) {
  NetlinkMessage copy = message;
  auto* nlh = reinterpret_cast<nlmsghdr*>(copy.data());
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  nlh->nlmsg_seq = 0;
  nlh->nlmsg_pid = 0;
  if (nlh->nlmsg_type == RTM_NEWADDR) {
    static_cast<ifaddrmsg*>(mnl_nlmsg_get_payload(nlh))->ifa_index = static_cast<uint32_t>(ifindex);
    return copy;
  }
  // Walk the attributes after the rtmsg header (libmnl's for-each macro is C-only).
  const size_t start = MNL_ALIGN(sizeof(nlmsghdr)) + MNL_ALIGN(sizeof(rtmsg));
  size_t offset = start;
  while (offset + sizeof(nlattr) <= nlh->nlmsg_len) {
    auto* attr = reinterpret_cast<nlattr*>(copy.data() + offset);
    if (attr->nla_len < sizeof(nlattr) || offset + attr->nla_len > nlh->nlmsg_len) break;
    if ((attr->nla_type & NLA_TYPE_MASK) == RTA_OIF && attr->nla_len == sizeof(nlattr) + sizeof(uint32_t)) {
      const uint32_t value = static_cast<uint32_t>(ifindex);
      std::memcpy(copy.data() + offset + sizeof(nlattr), &value, sizeof(value));
    }
    offset += MNL_ALIGN(attr->nla_len);
  }
  return copy;
}

nlohmann::json HostSnapshot::ToJson() const {
  nlohmann::json json = {{"had_table", had_table}, {"table_text", table_text}};
  json["links"] = nlohmann::json::array();
  for (const auto& link : links) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : link.addresses) addresses.push_back(ToHex(address));
    nlohmann::json item = {{"ifindex", link.ifindex}, {"name", link.name},       {"kind", link.kind},
                           {"mac", link.mac.ToString()}, {"up", link.up},       {"master", link.master},
                           {"sysctls", link.sysctls},   {"addresses", addresses}, {"alias", link.alias}};
    if (link.bridge) item["bridge"] = {{"stp", link.bridge->stp}, {"forward_delay_cs", link.bridge->forward_delay_cs}};
    json["links"].push_back(std::move(item));
  }
  json["routes"] = nlohmann::json::array();
  for (const auto& route : routes) json["routes"].push_back(ToHex(route));
  return json;
}

Result<HostSnapshot> HostSnapshot::FromJson(const nlohmann::json& json) {
  try {
    HostSnapshot snapshot;
    snapshot.had_table = json.at("had_table").get<bool>();
    snapshot.table_text = json.at("table_text").get<std::string>();
    for (const auto& item : json.at("links")) {
      SnapshotLink link;
      link.ifindex = item.at("ifindex").get<int>();
      link.name = item.at("name").get<std::string>();
      link.kind = item.at("kind").get<std::string>();
      const auto mac = MacAddress::Parse(item.at("mac").get<std::string>());
      if (!mac) return Status::Error("bad MAC in the snapshot of " + link.name);
      link.mac = *mac;
      link.up = item.at("up").get<bool>();
      link.master = item.at("master").get<int>();
      link.sysctls = item.at("sysctls").get<std::map<std::string, std::string>>();
      link.alias = item.value("alias", "");  // not in snapshots recorded before takeovers existed
      if (const auto bridge = item.find("bridge"); bridge != item.end() && !bridge->is_null())
        link.bridge = core::BridgeSettings{bridge->at("stp").get<bool>(), bridge->at("forward_delay_cs").get<int>()};
      for (const auto& hex : item.at("addresses")) {
        auto message = FromHex(hex.get<std::string>(), RTM_NEWADDR);
        if (!message) return Status::Error("bad address record in the snapshot of " + link.name);
        link.addresses.push_back(std::move(*message));
      }
      snapshot.links.push_back(std::move(link));
    }
    for (const auto& hex : json.at("routes")) {
      auto message = FromHex(hex.get<std::string>(), RTM_NEWROUTE);
      if (!message) return Status::Error("bad route record in the snapshot");
      snapshot.routes.push_back(std::move(*message));
    }
    return snapshot;
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(std::string("unreadable snapshot: ") + e.what());
  }
}

Result<HostSnapshot> CaptureHost(NetlinkRequester& rtnl, const std::vector<core::LinkInfo>& links,
                                 const std::string& table_text, bool had_table) {
  HostSnapshot snapshot;
  snapshot.had_table = had_table;
  snapshot.table_text = table_text;
  auto addresses = DumpAll(rtnl, RTM_GETADDR, sizeof(ifaddrmsg));
  if (!addresses) return addresses.status();
  auto routes = DumpAll(rtnl, RTM_GETROUTE, sizeof(rtmsg));
  if (!routes) return routes.status();
  std::set<int> ifindexes;
  for (const core::LinkInfo& info : links) {
    ifindexes.insert(info.ifindex);
    SnapshotLink link{info.ifindex, info.name, info.kind, info.mac, info.admin_up, info.master, {}, {}, info.alias,
                      info.bridge_settings};
    for (const auto& path : NicSysctlPaths(link.name)) {
      const std::string value = ReadLine(std::string(kProcSysRoot) + "/net/" + path);
      if (!value.empty()) link.sysctls[path] = value;
    }
    for (const auto& message : *addresses) {
      const nlmsghdr* nlh = Header(message);
      if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(ifaddrmsg)) continue;
      if (static_cast<int>(static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh))->ifa_index) == info.ifindex &&
          !IsAutomaticAddress(message))
        link.addresses.push_back(message);
    }
    snapshot.links.push_back(std::move(link));
  }
  for (const auto& message : *routes)
    if (ifindexes.count(RouteOutputInterface(message)) && !IsAutomaticRoute(message))
      snapshot.routes.push_back(message);
  return snapshot;
}

Result<int> ReplayAddresses(NetlinkRequester& rtnl, const std::vector<NetlinkMessage>& addresses, int ifindex) {
  return Replay(rtnl, addresses, 0, ifindex, "address");
}

Result<int> ReplayRoutes(NetlinkRequester& rtnl, const std::vector<NetlinkMessage>& routes, int from, int ifindex) {
  return Replay(rtnl, routes, from, ifindex, "route");
}

}  // namespace failoverd::kernel
