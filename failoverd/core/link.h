// LinkInfo: what the kernel edge observed about one network interface, as a
// plain value. The decision core sees links only through this type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "failoverd/common/net_types.h"

namespace failoverd::core {

// The alias (IFLA_IFALIAS) failoverd gives every bridge it makes, so that its own
// bridges are known as its own from the kernel alone, whatever state.json says.
inline constexpr std::string_view kOwnerMark = "failoverd";

// The unit of the kernel's bridge timers in netlink (clock_t).
inline constexpr int kUserHz = 100;

// A bridge's own settings as the kernel reports them (IFLA_INFO_DATA).
struct BridgeSettings {
  bool stp = false;
  int forward_delay_cs = 0;  // centiseconds (USER_HZ)
  bool operator==(const BridgeSettings&) const = default;
};

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::string kind;  // rtnetlink IFLA_INFO_KIND: "bridge", "veth", ...; "" for plain devices
  MacAddress mac;
  std::optional<MacAddress> perm_mac;  // IFLA_PERM_ADDRESS when the driver reports one
  bool admin_up = false;               // IFF_UP
  bool carrier = false;                // IFF_LOWER_UP
  int master = 0;                      // ifindex of the bridge it is enslaved to, 0 if none
  std::string alias;                   // IFLA_IFALIAS, "" if none
  std::optional<BridgeSettings> bridge_settings;  // bridges only, when the kernel said
  // Filled in by the edge from sysfs, ethtool and udev:
  bool physical = false;  // has a bus device (/sys/class/net/NAME/device)
  std::string driver;     // ethtool driver name ("veth", "igb"), "" if unknown
  std::string path;       // udev ID_PATH ("pci-0000:03:00.0"), "" if unknown
  bool udev_ready = true;  // false while udevd has not finished with the device

  bool is_bridge() const { return kind == "bridge"; }
  // A bridge failoverd made (it carries kOwnerMark). One it did not is left alone.
  bool is_own_bridge() const { return is_bridge() && alias == kOwnerMark; }
  // The identity a NIC is remembered by: permanent MAC, else current MAC.
  MacAddress identity() const {
    return perm_mac && !perm_mac->IsZero() ? *perm_mac : mac;
  }
  bool operator==(const LinkInfo&) const = default;
};

// What one link notification says about carrier, read from its header alone
// (IFF_LOWER_UP in ifi_flags). A removed link counts as one without carrier.
struct CarrierNote {
  int ifindex = 0;
  bool carrier = false;

  bool operator==(const CarrierNote&) const = default;
};

}  // namespace failoverd::core
