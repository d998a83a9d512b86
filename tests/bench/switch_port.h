// SwitchPort: the switch end of the benchmarked NIC's cable, in the switch's
// lab namespace. Cutting it sets the port down, which drops the server NIC's
// carrier like a pulled plug; restoring it sets the port up again. Unplugging
// deletes the veth pair, so the server's NIC disappears as a hot-unplugged one
// does; replugging makes the pair again with the NIC's MAC (a new ifindex). It uses the
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
  Status Unplug();
  // The server end appears in SERVER_NS as TEMP_NAME with MAC, down, like a new NIC.
  Status Replug(const std::string& server_ns, const std::string& temp_name, const std::string& mac);

 private:
  SwitchPort(std::string netns, std::string port, int ifindex)
      : netns_(std::move(netns)), port_(std::move(port)), ifindex_(ifindex) {}
  Status SetUp(bool up);

  const std::string netns_;
  const std::string port_;
  int ifindex_;
  kernel::RtnlOps rtnl_;
};

}  // namespace failoverd::bench
