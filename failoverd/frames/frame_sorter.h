// The frame sorter: decides what one frame that passed a cable probe's socket
// filter says about the cable — an LLDP neighbour, an ARP answer for an
// address the probe asked about, a router advertisement, nothing for us, or
// garbage to count. Pure, so the rules are tested without a socket; CableProbe
// (failoverd/kernel) feeds it every received frame.
#pragma once

#include <set>
#include <span>
#include <string>

#include "failoverd/common/net_types.h"
#include "failoverd/core/cable_session.h"

namespace failoverd::frames {

struct SortedFrame {
  enum class Kind {
    kObservation,  // `observation` holds what the frame showed
    kIgnored,      // well-formed, but tells this NIC nothing (`reason` says why)
    kMalformed,    // refused by its decoder (`reason` says why); the probe counts these
  };
  Kind kind = Kind::kIgnored;
  core::CableObservation observation;  // only with kObservation
  std::string reason;
};

// What the receiving NIC knows when it sorts a frame.
struct SortContext {
  MacAddress our_mac;
  std::set<IpAddress> arp_targets;  // IPv4 addresses this NIC has sent ARP probes for
};

// `vlan_tagged`: the kernel reported (in the packet's metadata) a VLAN tag
// with a non-zero VLAN id that it had already removed from the bytes. ARP and
// RAs from a tagged VLAN are not from the untagged network the NIC's bridge
// would be on, so they are ignored; LLDP is per link, tagged or not.
SortedFrame SortCableFrame(std::span<const uint8_t> frame, bool vlan_tagged,
                           const SortContext& context);

}  // namespace failoverd::frames
