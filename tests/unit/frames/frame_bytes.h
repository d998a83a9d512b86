// Helpers for the frame tests: assembling expected frames from parts, and an
// ICMPv6 checksum computed here, independently of the code under test.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace failoverd::frames::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Bytes PadTo(Bytes frame, size_t length) {
  if (frame.size() < length) frame.resize(length, 0);
  return frame;
}

// The checksum field value for an ICMPv6 message (checksum bytes zero) from
// `src` to `dst`: one's complement of the one's-complement sum of the
// pseudo-header and the message, summed here in 64 bits and folded at the end.
inline uint16_t TestIcmpv6Checksum(const Bytes& src, const Bytes& dst, const Bytes& icmp) {
  Bytes all = Concat({src, dst});
  const size_t length = icmp.size();
  all.insert(all.end(),
             {static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
              static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), 0, 0, 0, 58});
  all.insert(all.end(), icmp.begin(), icmp.end());
  uint64_t sum = 0;
  for (size_t i = 0; i < all.size(); i += 2)
    sum += static_cast<uint64_t>(all[i]) << 8 | (i + 1 < all.size() ? all[i + 1] : 0);
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  return static_cast<uint16_t>(~sum & 0xffff);
}

// Every proper prefix of `frame`, each in its own exactly-sized heap buffer so
// AddressSanitizer catches a read past its end.
template <typename Fn>
void ForEachTruncation(const Bytes& frame, Fn fn) {
  for (size_t length = 0; length < frame.size(); ++length) {
    const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length));
    fn(std::span<const uint8_t>(prefix), length);
  }
}

}  // namespace failoverd::frames::testing
