// Ethernet framing shared by the decoders: ethertypes, the multicast groups the
// probes listen on, and the parse of the 14-byte header (with at most one
// IEEE 802.1Q tag in front of the payload's ethertype).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"

namespace failoverd::frames {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q customer tag
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeLldp = 0x88cc;

inline constexpr size_t kEthernetHeaderLength = 14;
inline constexpr size_t kVlanTagLength = 4;
// Ethernet minimum frame length without the FCS; shorter frames are padded.
inline constexpr size_t kMinFrameLength = 60;

inline constexpr MacAddress kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
// LLDP destinations (IEEE 802.1AB 7.1): nearest bridge (not forwarded by any
// 802.1D bridge), nearest non-TPMR bridge, nearest customer bridge.
inline constexpr MacAddress kLldpNearestBridgeMac{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}};
inline constexpr MacAddress kLldpNearestNonTpmrBridgeMac{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x03}};
inline constexpr MacAddress kLldpNearestCustomerBridgeMac{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}};
// IPv6 all-nodes (ff02::1) and all-routers (ff02::2) multicast, mapped to
// Ethernet as 33:33 + the low 32 bits of the group (RFC 2464 7).
inline constexpr MacAddress kIpv6AllNodesMac{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
inline constexpr MacAddress kIpv6AllRoutersMac{{0x33, 0x33, 0x00, 0x00, 0x00, 0x02}};

struct EthernetHeader {
  MacAddress dst;
  MacAddress src;
  uint16_t ethertype = 0;        // of the payload (after the tag, if any)
  std::optional<uint16_t> vlan;  // the 12-bit VLAN id of an 802.1Q tag
  size_t payload_offset = 0;     // 14, or 18 behind a tag
};

// Parses the Ethernet header of `frame`. With `allow_vlan_tag`, one 802.1Q tag
// is skipped; without, a tagged frame is refused. Stacked tags are refused.
Result<EthernetHeader> ParseEthernet(std::span<const uint8_t> frame, bool allow_vlan_tag);

MacAddress MacFromBytes(std::span<const uint8_t, 6> bytes);

}  // namespace failoverd::frames
