// The shared Internet checksum against the RFC 1071 worked example and the
// verify-by-recomputing property the RA decoder relies on.
#include "failoverd/frames/inet_checksum.h"

#include <gtest/gtest.h>

#include <vector>

namespace failoverd::frames {
namespace {

TEST(InetChecksumTest, Rfc1071Example) {
  // RFC 1071 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (folded).
  const std::vector<uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(0xddf2, FoldChecksum(AddChecksumWords(0, data)));
}

TEST(InetChecksumTest, OddLengthPadsWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  const std::vector<uint8_t> even = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(FoldChecksum(AddChecksumWords(0, even)), FoldChecksum(AddChecksumWords(0, odd)));
}

TEST(InetChecksumTest, MessageWithItsChecksumVerifiesToZero) {
  const std::array<uint8_t, 16> src{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::array<uint8_t, 16> dst{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::vector<uint8_t> icmp(4000, 0xff);  // long enough to carry many times over
  icmp[0] = 134;
  icmp[2] = icmp[3] = 0;
  const uint16_t checksum = Icmpv6Checksum(src, dst, icmp);
  icmp[2] = static_cast<uint8_t>(checksum >> 8);
  icmp[3] = static_cast<uint8_t>(checksum & 0xff);
  EXPECT_EQ(0, Icmpv6Checksum(src, dst, icmp));
  icmp[100] ^= 0x01;
  EXPECT_NE(0, Icmpv6Checksum(src, dst, icmp));
}

}  // namespace
}  // namespace failoverd::frames
