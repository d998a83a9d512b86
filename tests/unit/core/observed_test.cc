#include "failoverd/core/observed.h"

#include <gtest/gtest.h>

namespace failoverd::core {
namespace {

LinkInfo Link(int ifindex, const std::string& name) {
  LinkInfo link;
  link.ifindex = ifindex;
  link.name = name;
  link.kind = "veth";
  return link;
}

const MonoTime kNow = MonoTime(std::chrono::seconds(10));

TEST(ObservedStateTest, FindByNameFollowsRenames) {
  ObservedState observed;
  observed.ReplaceAll({Link(2, "ens1"), Link(3, "ens2")}, kNow, true);
  ASSERT_NE(observed.FindByName("ens1"), nullptr);
  EXPECT_EQ(observed.FindByName("ens1")->ifindex, 2);

  observed.Update(Link(2, "hweth0"), kNow);
  EXPECT_EQ(observed.FindByName("ens1"), nullptr) << "the old name is gone";
  EXPECT_EQ(observed.FindByName("hweth0")->ifindex, 2);

  // A swap through the names: 3 takes the name 2 had, 2 takes the name 3 had.
  observed.Update(Link(3, "hweth0"), kNow);  // news of 3 before news of 2
  EXPECT_EQ(observed.FindByName("hweth0")->ifindex, 3) << "the later news wins";
  observed.Update(Link(2, "hweth1"), kNow);
  EXPECT_EQ(observed.FindByName("hweth0")->ifindex, 3) << "2 leaving hweth0 does not unname 3";
  EXPECT_EQ(observed.FindByName("hweth1")->ifindex, 2);
  EXPECT_EQ(observed.FindByName("ens2"), nullptr);
}

TEST(ObservedStateTest, FindByNameAfterADumpAndANewLink) {
  ObservedState observed;
  observed.ReplaceAll({Link(2, "ens1")}, kNow, true);
  observed.Update(Link(7, "ens7"), kNow);
  EXPECT_EQ(observed.FindByName("ens7")->ifindex, 7);
  observed.ReplaceAll({Link(7, "hweth0")}, kNow);
  EXPECT_EQ(observed.FindByName("ens1"), nullptr) << "a link the dump no longer has";
  EXPECT_EQ(observed.FindByName("ens7"), nullptr);
  EXPECT_EQ(observed.FindByName("hweth0")->ifindex, 7);
  EXPECT_EQ(observed.FindByName(""), nullptr);
}

}  // namespace
}  // namespace failoverd::core
