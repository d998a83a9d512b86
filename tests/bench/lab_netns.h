// Lab namespaces: the guard that keeps bench_identify's frames and link changes
// inside the private network namespaces its wrapper made (`ip netns add NAME`,
// bind-mounted at /run/netns/NAME), never in the machine's own (PID 1's, or
// kthreadd's where PID 1's is hidden), and a scoped visit to another lab
// namespace for the few calls that must be made there.
#pragma once

#include <string>

#include "failoverd/common/status.h"

namespace failoverd::bench {

// True when /run/netns/NAME exists and is not PID 1's network namespace.
bool IsLabNetns(const std::string& name);

// True when this thread is inside lab namespace NAME (`ip netns exec NAME ...`).
bool InLabNetns(const std::string& name);

// Moves the calling thread into lab namespace NAME; the destructor moves it back.
// Sockets opened meanwhile stay in NAME for their whole life.
class NetnsVisit {
 public:
  explicit NetnsVisit(const std::string& name);
  ~NetnsVisit();
  NetnsVisit(const NetnsVisit&) = delete;
  NetnsVisit& operator=(const NetnsVisit&) = delete;

  const Status& status() const { return status_; }

 private:
  int home_fd_ = -1;  // the namespace to return to; -1 if the visit never happened
  Status status_;
};

}  // namespace failoverd::bench
