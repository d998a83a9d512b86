#include "lab_netns.h"

#include "failoverd/kernel/netns_guard.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace failoverd::bench {

bool IsLabNetns(const std::string& name) { return kernel::IsPrivateNetns(name); }

bool InLabNetns(const std::string& name) { return kernel::InPrivateNetns(name); }

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
