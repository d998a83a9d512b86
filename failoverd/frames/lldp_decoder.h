// The LLDP decoder (IEEE 802.1AB): turns one received Ethernet frame into the
// neighbour fields the network identification matches on. Pure: bytes in, a
// value or a short reason out; never reads outside `frame`.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "failoverd/common/status.h"
#include "failoverd/core/fingerprint.h"

namespace failoverd::frames {

// Decodes a full Ethernet frame (destination 01:80:c2:00:00:0e, :03 or :00,
// ethertype 0x88cc, optionally behind one 802.1Q tag). The LLDPDU must start
// with exactly one chassis ID, port ID and TTL TLV, in that order, and end
// with an End TLV (the zero padding of a short frame counts as one). Port
// description, system name and the IEEE 802.1 port VLAN ID are read; every
// other TLV is skipped by its length.
//
// Chassis and port IDs are rendered as text: MAC address subtypes as
// "aa:bb:cc:dd:ee:ff", network address subtypes holding IPv4/IPv6 as the
// address, everything else as its bytes with non-printable ones (and '\')
// written \xNN.
Result<core::LldpNeighbor> DecodeLldp(std::span<const uint8_t> frame);

// Printable ASCII stays, every other byte and '\' become "\xNN" (lower-case hex).
std::string EscapeLldpText(std::span<const uint8_t> bytes);

}  // namespace failoverd::frames
