#include "failoverd/core/early_name.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

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

// ---- EarlyNameOrNew: the udev helper handing out new names --------------------------

LinkInfo Link(int ifindex, const char* name, const char* mac, bool physical = true) {
  LinkInfo link = Nic(name, mac, physical);
  link.ifindex = ifindex;
  return link;
}

MacAddress Mac(const char* text) { return *MacAddress::Parse(text); }

TEST(EarlyNameOrNewTest, NewNicGetsTheLowestFreeNumber) {
  policy::Policy policy;
  const LinkInfo nic = Link(3, "enp3s0", "00:0c:29:00:00:01");
  EXPECT_EQ(EarlyNameOrNew(policy, {}, {Link(1, "lo", "00:00:00:00:00:00", false), nic}, nic), "hweth0");
}

TEST(EarlyNameOrNewTest, RememberedNicGetsItsNameBack) {
  policy::Policy policy;
  const LinkInfo nic = Link(3, "enp3s0", "00:0c:29:00:00:01");
  EXPECT_EQ(EarlyNameOrNew(policy, {{Mac("00:0c:29:00:00:01"), "hweth4"}}, {nic}, nic), "hweth4");
}

TEST(EarlyNameOrNewTest, SkipsNamesRememberedForOthersCarriedByLinksAndOfBridges) {
  policy::Policy policy;
  policy.bridges.push_back(policy::Bridge{});
  policy.bridges.back().name = "hweth3";  // a bridge named like a service name: never handed out
  const std::map<MacAddress, std::string> remembered = {{Mac("00:0c:29:00:00:09"), "hweth0"},   // absent NIC
                                                        {Mac("00:0c:29:00:00:02"), "hweth2"}};  // present NIC
  const LinkInfo nic = Link(5, "enp5s0", "00:0c:29:00:00:01");
  const std::vector<LinkInfo> links = {
      Link(2, "hweth2", "00:0c:29:00:00:02"),
      // Not yet renamed by udev, or not managed at all: its name is still taken.
      Link(3, "hweth1", "00:0c:29:00:00:03"),
      Link(4, "hweth4", "02:00:00:00:00:04", /*physical=*/false),
      nic,
  };
  EXPECT_EQ(EarlyNameOrNew(policy, remembered, links, nic), "hweth5");
}

TEST(EarlyNameOrNewTest, NicAlreadyCarryingAFreeServiceNameKeepsIt) {
  policy::Policy policy;
  const LinkInfo nic = Link(3, "hweth7", "00:0c:29:00:00:01");  // its own name is not "in use"
  EXPECT_EQ(EarlyNameOrNew(policy, {}, {nic}, nic), "hweth7");
  // ...unless another NIC is remembered under it.
  EXPECT_EQ(EarlyNameOrNew(policy, {{Mac("00:0c:29:00:00:09"), "hweth7"}}, {nic}, nic), "hweth0");
}

TEST(EarlyNameOrNewTest, UsesThePolicyPrefix) {
  policy::Policy policy;
  policy.nics.prefix = "nic";
  const LinkInfo nic = Link(3, "enp3s0", "00:0c:29:00:00:01");
  EXPECT_EQ(EarlyNameOrNew(policy, {}, {Link(2, "nic0", "00:0c:29:00:00:02"), nic}, nic), "nic1");
}

TEST(EarlyNameOrNewTest, UnmanagedNicIsNotNamed) {
  policy::Policy policy;  // include = physical
  const LinkInfo veth = Link(3, "veth0", "02:00:00:00:00:01", /*physical=*/false);
  EXPECT_EQ(EarlyNameOrNew(policy, {}, {veth}, veth), std::nullopt);
  policy.nics.exclude = {{policy::NicSelector::Kind::kMac, "00:0c:29:00:00:01", {}}};
  const LinkInfo excluded = Link(4, "enp4s0", "00:0c:29:00:00:01");
  EXPECT_EQ(EarlyNameOrNew(policy, {{Mac("00:0c:29:00:00:01"), "hweth0"}}, {excluded}, excluded), std::nullopt)
      << "excluded now, even though remembered";
}

TEST(EarlyNameOrNewTest, CallersOneAfterAnotherGetDistinctNames) {
  // What the lock guarantees: each caller sees the names recorded before it.
  policy::Policy policy;
  std::vector<LinkInfo> links;
  for (int i = 0; i < 4; ++i) {
    const std::string mac = "00:0c:29:00:00:0" + std::to_string(i);
    links.push_back(Link(10 + i, ("eth" + std::to_string(i)).c_str(), mac.c_str()));
  }
  std::map<MacAddress, std::string> remembered;
  for (int i : {2, 0, 3, 1}) {  // udev handles them in any order
    const auto name = EarlyNameOrNew(policy, remembered, links, links[i]);
    ASSERT_TRUE(name);
    remembered[links[i].identity()] = *name;
  }
  std::set<std::string> distinct;
  for (const auto& [identity, name] : remembered) distinct.insert(name);
  EXPECT_EQ(distinct, (std::set<std::string>{"hweth0", "hweth1", "hweth2", "hweth3"}));
  EXPECT_EQ(remembered[links[2].identity()], "hweth0") << "first come, lowest number";
}

}  // namespace
}  // namespace failoverd::core
