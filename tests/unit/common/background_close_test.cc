#include "failoverd/common/background_close.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace failoverd {
namespace {

// The write end closed in the background: the read end sees end-of-file.
TEST(BackgroundCloseTest, TheDescriptorIsClosed) {
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    CloseInBackground(fds[1]);
    pollfd wait{fds[0], POLLIN, 0};
    ASSERT_EQ(poll(&wait, 1, 10'000), 1) << "the write end was never closed";
    EXPECT_TRUE(wait.revents & POLLHUP);
    char byte;
    EXPECT_EQ(read(fds[0], &byte, 1), 0);
    close(fds[0]);
  }
}

TEST(BackgroundCloseTest, ManyAtOnceAreAllClosed) {
  constexpr int kCount = 64;
  int readers[kCount];
  for (int& reader : readers) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    reader = fds[0];
    CloseInBackground(fds[1]);
  }
  for (int reader : readers) {
    pollfd wait{reader, POLLIN, 0};
    EXPECT_EQ(poll(&wait, 1, 10'000), 1);
    close(reader);
  }
}

TEST(BackgroundCloseTest, NegativeIsIgnored) {
  CloseInBackground(-1);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  EXPECT_NE(fcntl(fds[0], F_GETFD), -1) << "nothing else was closed";
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace failoverd
