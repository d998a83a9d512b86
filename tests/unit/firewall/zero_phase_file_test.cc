#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "firewall/firewall.h"

namespace failoverd::firewall {
namespace {

// firewall/zero-phase.nft is for an early-boot unit (`nft -f`), before the
// daemon runs; it must say exactly what the daemon's own zero phase says, so
// the daemon's first transaction changes nothing that matters.
TEST(ZeroPhaseFileTest, IsTheGeneratedZeroPhaseAfterItsHeaderComment) {
  const std::string path = std::string(FAILOVERD_SOURCE_DIR) + "/firewall/zero-phase.nft";
  std::ifstream file(path);
  ASSERT_TRUE(file) << "cannot read " << path;
  std::string line;
  std::string body;
  bool in_header = true;
  while (std::getline(file, line)) {
    if (in_header && (line.empty() || line[0] == '#')) continue;
    in_header = false;
    body += line + "\n";
  }
  EXPECT_EQ(body, ZeroPhaseScript())
      << "regenerate the file: fw_script_tool zero (after its header comment)";
}

}  // namespace
}  // namespace failoverd::firewall
