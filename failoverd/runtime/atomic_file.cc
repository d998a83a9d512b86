#include "failoverd/runtime/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "failoverd/common/file_read.h"
#include "failoverd/runtime/crash_points.h"

namespace failoverd {

namespace {

Status Errno(const std::string& what) { return Status::Error(what + ": " + strerror(errno)); }

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) { return ReadRegularFile(path, kMaxStateFileBytes); }

Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Errno("open " + tmp);
  // Test-only (crash_points.h): stop half-way through the data, as a crash would.
  const bool partial = CrashPointArmed("state-write-partial");
  const size_t size = partial ? data.size() / 2 : data.size();
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, data.data() + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const Status error = Errno("write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (partial) {
    fsync(fd);  // the torn temp file is really there for the next start to find
    CrashPoint("state-write-partial");
  }
  if (fsync(fd) < 0) {
    const Status error = Errno("fsync " + tmp);
    close(fd);
    unlink(tmp.c_str());
    return error;
  }
  close(fd);
  CrashPoint("mid-state-write");  // test-only: complete temp file, target not replaced yet
  if (rename(tmp.c_str(), path.c_str()) < 0) {
    const Status error = Errno("rename " + tmp);
    unlink(tmp.c_str());
    return error;
  }
  const int dir_fd = open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);  // makes the rename itself durable
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace failoverd
