#include "failoverd/frames/inet_checksum.h"

namespace failoverd::frames {

namespace {
constexpr uint8_t kIpProtoIcmpv6 = 58;
}  // namespace

uint32_t AddChecksumWords(uint32_t sum, std::span<const uint8_t> data) {
  // Folding as we go keeps the sum from overflowing on any frame length.
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    sum = (sum & 0xffff) + (sum >> 16);
  }
  if (data.size() % 2) sum += static_cast<uint32_t>(data[data.size() - 1] << 8);
  return sum;
}

uint16_t FoldChecksum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

uint16_t Icmpv6Checksum(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                        std::span<const uint8_t> icmp) {
  uint32_t sum = 0;
  sum = AddChecksumWords(sum, src);
  sum = AddChecksumWords(sum, dst);
  const size_t length = icmp.size();
  sum += static_cast<uint32_t>(length >> 16) + static_cast<uint32_t>(length & 0xffff);
  sum += kIpProtoIcmpv6;
  sum = AddChecksumWords(sum, icmp);
  return static_cast<uint16_t>(~FoldChecksum(sum));
}

}  // namespace failoverd::frames
