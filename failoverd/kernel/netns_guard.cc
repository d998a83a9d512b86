#include "failoverd/kernel/netns_guard.h"

#include <sys/stat.h>

namespace failoverd::kernel {

namespace {

bool SameFile(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

bool StatNamed(const std::string& name, struct stat* named) {
  if (name.empty() || name.find('/') != std::string::npos) return false;
  return stat(("/run/netns/" + name).c_str(), named) == 0;
}

// The machine's own namespace is PID 1's. Where PID 1's is unreadable (a sandbox's
// init can deny it even to root), kthreadd's (PID 2) stands in: kernel threads live
// in the initial namespaces. Neither readable: assume the worst.
bool IsInitNetns(const struct stat& ns) {
  struct stat init {};
  if (stat("/proc/1/ns/net", &init) != 0 && stat("/proc/2/ns/net", &init) != 0) return true;
  return SameFile(init, ns);
}

}  // namespace

bool IsPrivateNetns(const std::string& name) {
  struct stat named {};
  return StatNamed(name, &named) && !IsInitNetns(named);
}

bool InPrivateNetns(const std::string& name) {
  struct stat named {};
  struct stat self {};
  if (!StatNamed(name, &named) || stat("/proc/thread-self/ns/net", &self) != 0) return false;
  return SameFile(named, self) && !IsInitNetns(self);
}

}  // namespace failoverd::kernel
