#include "failoverd/core/early_name.h"

#include <gtest/gtest.h>

namespace failoverd::core {
namespace {

LinkInfo Nic(const char* name, const char* mac, bool physical) {
  LinkInfo link;
  link.ifindex = 3;
  link.name = name;
  link.mac = *MacAddress::Parse(mac);
  link.physical = physical;
  return link;
}

TEST(EarlyNameTest, RememberedManagedNicGetsItsName) {
  policy::NicSettings nics;  // include = physical
  const std::map<MacAddress, std::string> remembered = {{*MacAddress::Parse("00:0c:29:00:00:01"), "hweth3"}};
  EXPECT_EQ(EarlyName(nics, remembered, Nic("enp3s0", "00:0c:29:00:00:01", true)), "hweth3");
}

TEST(EarlyNameTest, PermanentMacIsTheIdentity) {
  policy::NicSettings nics;
  const std::map<MacAddress, std::string> remembered = {{*MacAddress::Parse("00:0c:29:00:00:01"), "hweth3"}};
  LinkInfo link = Nic("enp3s0", "02:99:99:99:99:99", true);  // current MAC changed
  link.perm_mac = MacAddress::Parse("00:0c:29:00:00:01");
  EXPECT_EQ(EarlyName(nics, remembered, link), "hweth3");
}

TEST(EarlyNameTest, UnknownOrUnmanagedNicIsLeftToTheDaemon) {
  policy::NicSettings nics;
  const std::map<MacAddress, std::string> remembered = {{*MacAddress::Parse("00:0c:29:00:00:01"), "hweth3"}};
  EXPECT_EQ(EarlyName(nics, remembered, Nic("enp4s0", "00:0c:29:00:00:02", true)), std::nullopt);
  EXPECT_EQ(EarlyName(nics, remembered, Nic("veth0", "00:0c:29:00:00:01", false)), std::nullopt)
      << "not physical, so not managed under the default include";
  nics.exclude = {{policy::NicSelector::Kind::kMac, "00:0c:29:00:00:01", {}}};
  EXPECT_EQ(EarlyName(nics, remembered, Nic("enp3s0", "00:0c:29:00:00:01", true)), std::nullopt);
}

}  // namespace
}  // namespace failoverd::core
