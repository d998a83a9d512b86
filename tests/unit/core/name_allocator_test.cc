#include "failoverd/core/name_allocator.h"

#include <gtest/gtest.h>

namespace failoverd::core {
namespace {

MacAddress Mac(const char* text) { return *MacAddress::Parse(text); }

TEST(NameAllocatorTest, NewNicsGetLowestFreeNumbersInOrder) {
  NameAllocator allocator("hweth", {}, {});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "ens1"}, {Mac("02:00:00:00:00:02"), "ens2"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth0");
  EXPECT_EQ(names[Mac("02:00:00:00:00:02")], "hweth1");
}

TEST(NameAllocatorTest, RememberedNicGetsItsOldNameEvenWhenOthersCameFirst) {
  NameAllocator allocator("hweth", {{Mac("02:00:00:00:00:09"), "hweth0"}}, {});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "ens1"}, {Mac("02:00:00:00:00:09"), "ens9"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:09")], "hweth0");
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth1");
}

TEST(NameAllocatorTest, AbsentRememberedNicKeepsItsNameReserved) {
  NameAllocator allocator("hweth", {{Mac("02:00:00:00:00:09"), "hweth0"}}, {});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "ens1"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth1");
}

TEST(NameAllocatorTest, UnrememberedNicKeepsAFreeServiceName) {
  NameAllocator allocator("hweth", {}, {});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "ens1"}, {Mac("02:00:00:00:00:02"), "hweth0"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:02")], "hweth0");
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth1");
}

TEST(NameAllocatorTest, ServiceNameClaimedByRememberedNicIsNotAdopted) {
  NameAllocator allocator("hweth", {{Mac("02:00:00:00:00:09"), "hweth0"}}, {});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "hweth0"}, {Mac("02:00:00:00:00:09"), "ens9"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:09")], "hweth0");
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth1");
}

TEST(NameAllocatorTest, NamesOfForeignLinksAreNeverHandedOut) {
  NameAllocator allocator("hweth", {}, {"hweth0"});
  auto names = allocator.Assign({{Mac("02:00:00:00:00:01"), "ens1"}});
  EXPECT_EQ(names[Mac("02:00:00:00:00:01")], "hweth1");
}

TEST(NameAllocatorTest, ServiceNameShape) {
  NameAllocator allocator("hweth", {}, {});
  EXPECT_TRUE(allocator.IsServiceName("hweth0"));
  EXPECT_TRUE(allocator.IsServiceName("hweth12"));
  EXPECT_FALSE(allocator.IsServiceName("hweth"));
  EXPECT_FALSE(allocator.IsServiceName("hweth01"));
  EXPECT_FALSE(allocator.IsServiceName("hweth1a"));
  EXPECT_FALSE(allocator.IsServiceName("eth0"));
}

}  // namespace
}  // namespace failoverd::core
