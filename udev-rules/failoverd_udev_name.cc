// failoverd-udev-name IFNAME: called by udev (81-failoverd.rules) when a network
// device appears. Prints the NIC's remembered hwethN and exits 0, or exits 1 when
// the NIC is not managed or not yet known (then the kernel's name stays until the
// daemon names it). Reads the policy and state.json; changes nothing.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "failoverd/core/early_name.h"
#include "failoverd/daemon/state_store.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "policy/policy_parser.h"

int main(int argc, char** argv) {
  std::string policy_path = "/etc/failoverd/policy.toml";
  std::string ifname;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--policy" && i + 1 < argc) policy_path = argv[++i];
    else ifname = arg;
  }
  if (ifname.empty()) {
    std::fprintf(stderr, "usage: failoverd-udev-name [--policy PATH] IFNAME\n");
    return 2;
  }
  const auto parsed = failoverd::policy::ParsePolicyFile(policy_path);
  if (!parsed.policy) return 1;  // the daemon reports policy problems; udev keeps the name
  failoverd::kernel::RtnlOps rtnl;
  if (!rtnl.Open()) return 1;
  auto link = rtnl.GetLinkByName(ifname);
  if (!link) return 1;
  failoverd::core::LinkInfo info = *link;
  // Inside udev's processing the device's database entry is not written yet: take
  // the path from the environment udev gives the program.
  if (const char* path = std::getenv("ID_PATH")) info.path = path;
  failoverd::StateStore state(parsed.policy->daemon.state_dir);
  if (!state.Load()) return 1;
  const auto name = failoverd::core::EarlyName(parsed.policy->nics, state.names(), info);
  if (!name || *name == ifname) return 1;
  std::printf("%s\n", name->c_str());
  return 0;
}
