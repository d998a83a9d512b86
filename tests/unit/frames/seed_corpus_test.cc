// The fuzzer's seed corpus (tests/fuzz/corpus/frames/) holds frames captured in the
// namespace lab from lldpd 1.0.16, a Linux host answering an ARP probe, and
// radvd 2.19. They must decode, so the seeds start the fuzzer on valid frames
// and the decoders are checked against real senders, not only hand-built bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "failoverd/frames/arp_frames.h"
#include "failoverd/frames/ipv6_nd_frames.h"
#include "failoverd/frames/lldp_decoder.h"

namespace failoverd::frames {
namespace {

std::vector<uint8_t> Seed(const std::string& name) {
  const std::string path = std::string(FAILOVERD_SOURCE_DIR) + "/tests/fuzz/corpus/frames/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

TEST(SeedCorpusTest, LldpdFrameDecodes) {
  for (const char* name : {"lldp_lldpd_core_sw_1.bin", "lldp_vlan_tagged.bin"}) {
    auto neighbor = DecodeLldp(Seed(name));
    ASSERT_TRUE(neighbor.ok()) << name << ": " << neighbor.message();
    EXPECT_EQ("02:00:00:00:0a:01", neighbor->chassis_id) << name;
    EXPECT_EQ("core-sw-1", neighbor->system_name) << name;
    EXPECT_EQ("p1-nic0", neighbor->port_description) << name;
    EXPECT_EQ(4, neighbor->ttl_s) << name;
  }
}

TEST(SeedCorpusTest, ArpReplyDecodes) {
  auto answer =
      DecodeArpReply(Seed("arp_reply_to_probe.bin"), *MacAddress::Parse("02:00:00:00:00:11"));
  ASSERT_TRUE(answer.ok()) << answer.message();
  EXPECT_EQ("192.0.2.1", answer->target.ToString());
}

TEST(SeedCorpusTest, RadvdRaDecodes) {
  auto advert = DecodeRouterAdvert(Seed("ra_radvd_2001_db8_1.bin"));
  ASSERT_TRUE(advert.ok()) << advert.message();
  ASSERT_EQ(1u, advert->prefixes.size());
  EXPECT_EQ("2001:db8:1::/64", advert->prefixes[0].ToString());
}

}  // namespace
}  // namespace failoverd::frames
