// Files failoverd is given are read without blocking and within a size limit (issue 15):
// a FIFO, a device or a directory is refused before a byte is read.
#include "failoverd/common/file_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "fakes/temp_dir.h"

namespace failoverd {
namespace {

class FileReadTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  testing::TempDir dir_;
};

TEST_F(FileReadTest, RegularFileIsRead) {
  std::ofstream(Path("p.toml")) << "[[bridge]]\nname = \"eth0\"\n";
  auto text = ReadRegularFile(Path("p.toml"));
  ASSERT_TRUE(text) << text.message();
  EXPECT_EQ(*text, "[[bridge]]\nname = \"eth0\"\n");
}

TEST_F(FileReadTest, MissingFileSaysSo) {
  auto text = ReadRegularFile(Path("none"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.message(), Path("none") + ": No such file or directory");
}

TEST_F(FileReadTest, AFifoIsRefusedAtOnce) {
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  auto text = ReadRegularFile(Path("fifo"));  // nobody ever writes to it
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.message(), Path("fifo") + ": is a FIFO, not a regular file");
}

TEST_F(FileReadTest, DevicesAndDirectoriesAreRefused) {
  auto zero = ReadRegularFile("/dev/zero");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.message(), "/dev/zero: is a character device, not a regular file");
  auto dir = ReadRegularFile(dir_.path());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.message(), dir_.path() + ": is a directory, not a regular file");
}

TEST_F(FileReadTest, TooLargeIsRefused) {
  std::ofstream(Path("big")) << std::string(kMaxConfigFileBytes + 1, '#');
  auto text = ReadRegularFile(Path("big"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.message(), Path("big") + ": larger than 1024 KiB");
  std::ofstream(Path("limit")) << std::string(kMaxConfigFileBytes, '#');
  EXPECT_TRUE(ReadRegularFile(Path("limit")));
}

}  // namespace
}  // namespace failoverd
