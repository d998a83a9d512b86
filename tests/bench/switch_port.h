// SwitchPort: the switch end of the benchmarked NIC's cable, in the switch's
// lab namespace. Cutting it sets the port down, which drops the server NIC's
// carrier like a pulled plug; restoring it sets the port up again. It uses the
// daemon's own RtnlOps (acknowledged RTM_SETLINK), opened inside the switch
// namespace, so no `ip` process sits between the benchmark and the kernel.
#pragma once

#include <memory>
#include <string>

#include "failoverd/common/status.h"
#include "failoverd/kernel/rtnl_ops.h"

namespace failoverd::bench {

class SwitchPort {
 public:
  // Finds PORT in lab namespace NETNS. Fails for any namespace that is not a lab one.
  static Result<std::unique_ptr<SwitchPort>> Open(const std::string& netns, const std::string& port);

  // Each returns once the kernel has acknowledged the change.
  Status Cut() { return SetUp(false); }
  Status Restore() { return SetUp(true); }

 private:
  SwitchPort(std::string netns, int ifindex) : netns_(std::move(netns)), ifindex_(ifindex) {}
  Status SetUp(bool up);

  const std::string netns_;
  const int ifindex_;
  kernel::RtnlOps rtnl_;
};

}  // namespace failoverd::bench
