#include "lab_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace failoverd::bench {

namespace {

bool SameFile(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

bool StatNamed(const std::string& name, struct stat* named) {
  if (name.empty() || name.find('/') != std::string::npos) return false;
  return stat(("/run/netns/" + name).c_str(), named) == 0;
}

// The machine's own network namespace is PID 1's. Where PID 1's is unreadable (a
// sandbox's init can deny it even to root), kthreadd's (PID 2) is asked instead: a
// kernel thread always lives in the initial namespaces. Neither readable: refuse.
bool IsInit(const struct stat& ns) {
  struct stat init {};
  if (stat("/proc/1/ns/net", &init) != 0 && stat("/proc/2/ns/net", &init) != 0) return true;
  return SameFile(init, ns);
}

}  // namespace

bool IsLabNetns(const std::string& name) {
  struct stat named {};
  return StatNamed(name, &named) && !IsInit(named);
}

bool InLabNetns(const std::string& name) {
  struct stat named {};
  struct stat self {};
  if (!StatNamed(name, &named) || stat("/proc/thread-self/ns/net", &self) != 0) return false;
  return SameFile(named, self) && !IsInit(self);
}

NetnsVisit::NetnsVisit(const std::string& name) {
  if (!IsLabNetns(name)) {
    status_ = Status::Error(name + ": not a lab network namespace");
    return;
  }
  const int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (home < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
    status_ = Status::Error(name + ": cannot enter: " + std::strerror(errno));
    if (home >= 0) close(home);
  } else {
    home_fd_ = home;
  }
  if (target >= 0) close(target);
}

NetnsVisit::~NetnsVisit() {
  if (home_fd_ < 0) return;
  // Staying in the wrong namespace would send the next frames from there: stop.
  if (setns(home_fd_, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "bench_identify: cannot return to the home namespace: %s\n", std::strerror(errno));
    std::abort();
  }
  close(home_fd_);
}

}  // namespace failoverd::bench
