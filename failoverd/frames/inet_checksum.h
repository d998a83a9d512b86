// The Internet checksum (RFC 1071) and the ICMPv6 checksum built on it
// (RFC 4443 2.3: a pseudo-header of source, destination, upper-layer length
// and next header, then the message). Used to build and to verify frames.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace failoverd::frames {

// Adds `data` as 16-bit big-endian words (an odd last byte padded with zero)
// to a running 32-bit sum; FoldChecksum() folds the carries back in.
uint32_t AddChecksumWords(uint32_t sum, std::span<const uint8_t> data);
uint16_t FoldChecksum(uint32_t sum);

// The value to put in the checksum field of `icmp` (whose checksum field must
// be zero while computing). Verifying a received message: computing over the
// message as received (checksum included) gives 0 when it is intact.
uint16_t Icmpv6Checksum(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                        std::span<const uint8_t> icmp);

}  // namespace failoverd::frames
