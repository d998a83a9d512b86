#include "failoverd/kernel/link_parser.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>

namespace failoverd::kernel {

namespace {

using AttributeTable = std::array<const nlattr*, IFLA_MAX + 1>;

int CollectAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<AttributeTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

int CollectInfoAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<std::array<const nlattr*, IFLA_INFO_MAX + 1>*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

using BridgeAttributeTable = std::array<const nlattr*, IFLA_BR_MAX + 1>;

int CollectBridgeAttribute(const nlattr* attr, void* data) {
  auto* table = static_cast<BridgeAttributeTable*>(data);
  const uint16_t type = mnl_attr_get_type(attr);
  if (type < table->size()) (*table)[type] = attr;
  return MNL_CB_OK;
}

std::optional<uint32_t> AttributeU32(const nlattr* attr) {
  if (!attr || mnl_attr_get_payload_len(attr) < sizeof(uint32_t)) return std::nullopt;
  return mnl_attr_get_u32(attr);
}

// STP and forward delay out of a bridge's IFLA_INFO_DATA; nullopt when either is missing.
std::optional<core::BridgeSettings> BridgeSettingsOf(const nlattr* data) {
  BridgeAttributeTable table{};
  if (!data || mnl_attr_parse_nested(data, CollectBridgeAttribute, &table) < 0) return std::nullopt;
  const auto stp = AttributeU32(table[IFLA_BR_STP_STATE]);
  const auto delay = AttributeU32(table[IFLA_BR_FORWARD_DELAY]);
  if (!stp || !delay) return std::nullopt;
  // STP state: 0 off, 1 the kernel's, 2 a user-space daemon's: either is on.
  return core::BridgeSettings{*stp != 0, static_cast<int>(*delay)};
}

// Kernel strings are NUL-terminated, but never trust a length we did not check.
std::string AttributeString(const nlattr* attr) {
  const auto* text = static_cast<const char*>(mnl_attr_get_payload(attr));
  return std::string(text, strnlen(text, mnl_attr_get_payload_len(attr)));
}

// Link-layer addresses are as long as the device type says: 6 bytes for
// Ethernet-like links, 4 for IPv4 tunnels, 0 for some. Only 6 means a MAC.
std::optional<MacAddress> AttributeMac(const nlattr* attr) {
  if (!attr || mnl_attr_get_payload_len(attr) != 6) return std::nullopt;
  MacAddress mac;
  std::memcpy(mac.bytes.data(), mnl_attr_get_payload(attr), 6);
  return mac;
}

}  // namespace

std::optional<core::LinkInfo> ParseLinkMessage(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(ifinfomsg)) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  // The bridge reports its ports' STP/VLAN state as RTM_NEWLINK/RTM_DELLINK with
  // family AF_BRIDGE on the same RTNLGRP_LINK group. In particular releasing a
  // port sends an AF_BRIDGE RTM_DELLINK for a link that still exists, so these
  // must never be read as "link added/removed". The regular AF_UNSPEC message
  // for the same change (IFLA_MASTER gone) arrives as well.
  if (ifi->ifi_family == AF_BRIDGE) return std::nullopt;

  AttributeTable attrs{};
  if (mnl_attr_parse(nlh, sizeof(ifinfomsg), CollectAttribute, &attrs) < 0) return std::nullopt;
  if (!attrs[IFLA_IFNAME]) return std::nullopt;

  core::LinkInfo link;
  link.ifindex = ifi->ifi_index;
  link.name = AttributeString(attrs[IFLA_IFNAME]);
  link.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
  // IFF_LOWER_UP is the driver's carrier bit; IFF_RUNNING also folds in the
  // RFC 2863 operstate (dormant, testing), which is not what "cable works" means.
  link.carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
  if (auto mac = AttributeMac(attrs[IFLA_ADDRESS])) link.mac = *mac;
  // Only present when the driver knows a burnt-in address (not for veth, bridges).
  link.perm_mac = AttributeMac(attrs[IFLA_PERM_ADDRESS]);
  if (attrs[IFLA_MASTER] && mnl_attr_get_payload_len(attrs[IFLA_MASTER]) >= sizeof(uint32_t))
    link.master = static_cast<int>(mnl_attr_get_u32(attrs[IFLA_MASTER]));
  if (attrs[IFLA_IFALIAS]) link.alias = AttributeString(attrs[IFLA_IFALIAS]);
  if (attrs[IFLA_LINKINFO]) {
    std::array<const nlattr*, IFLA_INFO_MAX + 1> info{};
    if (mnl_attr_parse_nested(attrs[IFLA_LINKINFO], CollectInfoAttribute, &info) >= 0 &&
        info[IFLA_INFO_KIND]) {
      link.kind = AttributeString(info[IFLA_INFO_KIND]);
      if (link.is_bridge()) link.bridge_settings = BridgeSettingsOf(info[IFLA_INFO_DATA]);
    }
  }
  return link;
}

}  // namespace failoverd::kernel
