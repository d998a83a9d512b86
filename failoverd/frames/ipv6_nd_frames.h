// IPv6 neighbour discovery for network identification (RFC 4861): the router
// solicitation a NIC without IPv6 addresses sends from the unspecified address,
// and the decoder of the router advertisements that answer it. Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "failoverd/common/net_types.h"
#include "failoverd/common/status.h"
#include "failoverd/core/fingerprint.h"

namespace failoverd::frames {

// Router solicitation (RFC 4861 4.1, 6.3.7): Ethernet 33:33:00:00:00:02 from
// `src`, IPv6 from :: to ff02::2, hop limit 255, ICMPv6 type 133, no options —
// a solicitation from the unspecified address must not carry a source
// link-layer address option. Routers answer it with a multicast RA to ff02::1.
std::vector<uint8_t> BuildRouterSolicitation(const MacAddress& src);

// Decodes a router advertisement (RFC 4861 4.2, 6.1.2) in an untagged Ethernet
// frame: IPv6 with next header 58 directly (no extension headers), hop limit
// 255, link-local source, ICMPv6 type 134 code 0 with a valid checksum. Prefix
// information options (type 3, length 4) become prefixes with their length and
// the bits past the length cleared (receivers ignore them, 4.6.2); other
// options are skipped by their length; a zero-length option is an error.
Result<core::RouterAdvert> DecodeRouterAdvert(std::span<const uint8_t> frame);

}  // namespace failoverd::frames
