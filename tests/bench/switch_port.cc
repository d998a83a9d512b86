#include "switch_port.h"

#include "lab_netns.h"

namespace failoverd::bench {

Result<std::unique_ptr<SwitchPort>> SwitchPort::Open(const std::string& netns, const std::string& port) {
  // Every call runs inside the switch namespace, so that even the names RtnlOps
  // puts in its messages (if_indextoname) are looked up where the port lives.
  NetnsVisit visit(netns);
  if (!visit.status().ok()) return visit.status();
  kernel::RtnlOps probe;
  if (Status opened = probe.Open(); !opened.ok()) return opened;
  auto link = probe.GetLinkByName(port);
  if (!link.ok()) return link.status();
  std::unique_ptr<SwitchPort> result(new SwitchPort(netns, link->ifindex));
  if (Status opened = result->rtnl_.Open(); !opened.ok()) return opened;
  return result;
}

Status SwitchPort::SetUp(bool up) {
  NetnsVisit visit(netns_);
  if (!visit.status().ok()) return visit.status();
  return rtnl_.SetLinkUp(ifindex_, up);
}

}  // namespace failoverd::bench
