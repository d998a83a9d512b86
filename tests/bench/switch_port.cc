#include "switch_port.h"

#include "baseline_command.h"
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
  std::unique_ptr<SwitchPort> result(new SwitchPort(netns, port, link->ifindex));
  if (Status opened = result->rtnl_.Open(); !opened.ok()) return opened;
  return result;
}

Status SwitchPort::SetUp(bool up) {
  NetnsVisit visit(netns_);
  if (!visit.status().ok()) return visit.status();
  return rtnl_.SetLinkUp(ifindex_, up);
}

Status SwitchPort::Unplug() {
  NetnsVisit visit(netns_);
  if (!visit.status().ok()) return visit.status();
  return rtnl_.DeleteLink(ifindex_);
}

Status SwitchPort::Replug(const std::string& server_ns, const std::string& temp_name, const std::string& mac) {
  if (!IsLabNetns(server_ns)) return Status::Error(server_ns + " is not a lab namespace");
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "add", "name", port_, "type", "veth", "peer", "name", temp_name, "address", mac, "netns", server_ns},
      {"ip", "link", "set", "dev", port_, "master", "sw", "up"}};
  for (const auto& argv : steps) {
    auto ran = RunInNetns(netns_, argv, std::chrono::milliseconds(5000));
    if (!ran.ok()) return ran.status();
    if (ran->exit_status != 0) return Status::Error(argv[2] + " " + port_ + ": " + ran->output);
  }
  NetnsVisit visit(netns_);
  if (!visit.status().ok()) return visit.status();
  auto link = rtnl_.GetLinkByName(port_);
  if (!link.ok()) return link.status();
  ifindex_ = link->ifindex;
  return Status::Ok();
}

}  // namespace failoverd::bench
