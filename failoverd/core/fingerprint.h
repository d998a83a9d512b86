// Fingerprint: what one NIC has seen on its cable during the current link-up —
// the LLDP neighbour, the addresses that answered an ARP probe, the prefixes in
// router advertisements. Plain values, filled by the probe code, read by the
// network identification (issue 3). Reset whenever the NIC loses carrier.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/common/clock.h"
#include "failoverd/common/net_types.h"

namespace failoverd::core {

struct LldpNeighbor {
  std::string chassis_id;        // string form: "aa:bb:cc:dd:ee:ff" for MAC subtypes, else the text
  std::string port_id;           // string form, as chassis_id
  std::string port_description;  // "" when absent
  std::string system_name;       // "" when absent
  std::optional<uint16_t> port_vlan;  // IEEE 802.1 organizationally specific TLV, subtype 1
  uint16_t ttl_s = 0;
  bool operator==(const LldpNeighbor&) const = default;
};

// A reply to an ARP probe for `target`, from the host at `mac`.
struct ArpAnswer {
  IpAddress target;
  MacAddress mac;
  bool operator==(const ArpAnswer&) const = default;
};

// A router advertisement: who sent it and the on-link/autonomous prefixes it carried.
struct RouterAdvert {
  MacAddress router_mac;  // Ethernet source ("" source link-layer option may be absent)
  IpAddress router;       // IPv6 source (link-local)
  std::vector<IpPrefix> prefixes;
  bool operator==(const RouterAdvert&) const = default;
};

struct Fingerprint {
  std::optional<LldpNeighbor> lldp;
  std::optional<MonoTime> lldp_at;
  std::vector<ArpAnswer> arp;       // distinct (target, mac) pairs
  std::vector<IpPrefix> ra_prefixes;  // distinct
  uint64_t malformed_frames = 0;      // frames the decoders refused
};

}  // namespace failoverd::core
