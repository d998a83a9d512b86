// kernel_edge_tool: drives the kernel edge (RtnlOps, LinkMonitor, UdevMonitor)
// from the command line, one operation per run, for the namespace kernel check
// tests/kernel/test_kernel_edge.sh. Not installed; not part of the daemon.
//
// Every command that changes something needs `--netns NAME` and runs only if
// the tool really is inside that named namespace (`ip netns exec NAME ...`):
// renaming or enslaving the host's own NIC would cut the machine off.
#include <net/if.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "failoverd/kernel/netns_guard.h"
#include "failoverd/kernel/link_monitor.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "failoverd/kernel/udev_monitor.h"

namespace {

using failoverd::IpAddress;
using failoverd::IpPrefix;
using failoverd::MacAddress;
using failoverd::Status;
using failoverd::core::LinkInfo;
using failoverd::kernel::LinkEvent;
using failoverd::kernel::LinkMonitor;
using failoverd::kernel::RtnlOps;
using failoverd::kernel::UdevMonitor;

constexpr const char* kUsage =
    "usage: kernel_edge_tool [--netns NAME] COMMAND ARGS\n"
    "  (--netns NAME is required for every command that changes something and must\n"
    "   name the namespace the tool runs in: ip netns exec NAME kernel_edge_tool ...)\n"
    "  dump                               every link, one per line\n"
    "  rename NAME NEWNAME | up NAME | down NAME\n"
    "  bridge NAME MAC STP(0|1) FORWARD_DELAY_S\n"
    "  master NAME BRIDGE | nomaster NAME\n"
    "  prepare NAME | address NAME PREFIX | route NAME GATEWAY\n"
    "  announce PORT BRIDGE\n"
    "  monitor-links SECONDS COUNT        print link events (\"ready\" once subscribed)\n"
    "  monitor-udev SOURCE SECONDS COUNT  print net uevents (SOURCE udev|kernel)\n";

const std::set<std::string> kReadOnlyCommands = {"dump", "monitor-links", "monitor-udev"};


int Fail(const std::string& message) {
  std::fprintf(stderr, "kernel_edge_tool: %s\n", message.c_str());
  return 1;
}

int Report(const Status& status) { return status.ok() ? 0 : Fail(status.message()); }

void PrintLink(const char* prefix, const LinkInfo& link) {
  std::printf(
      "%sifindex=%d name=%s kind=%s mac=%s perm=%s up=%d carrier=%d master=%d "
      "physical=%d driver=%s path=%s udev_ready=%d\n",
      prefix, link.ifindex, link.name.c_str(), link.kind.empty() ? "-" : link.kind.c_str(),
      link.mac.ToString().c_str(), link.perm_mac ? link.perm_mac->ToString().c_str() : "-",
      link.admin_up ? 1 : 0, link.carrier ? 1 : 0, link.master, link.physical ? 1 : 0,
      link.driver.empty() ? "-" : link.driver.c_str(), link.path.empty() ? "-" : link.path.c_str(),
      link.udev_ready ? 1 : 0);
}

int IndexOf(const std::string& name) {
  const unsigned index = if_nametoindex(name.c_str());
  if (index == 0) std::fprintf(stderr, "kernel_edge_tool: %s: no such interface\n", name.c_str());
  return static_cast<int>(index);
}

// Waits on `fd` and hands readable moments to `read` until `count` items were
// printed or `seconds` passed. Returns the number printed.
template <typename ReadFn>
int RunMonitor(int fd, int seconds, int count, ReadFn read) {
  std::printf("ready\n");
  std::fflush(stdout);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int printed = 0;
  while (printed < count) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    printed += read();
    std::fflush(stdout);
  }
  return printed;
}

int Run(const std::vector<std::string>& args) {
  const std::string& command = args[0];
  auto need = [&](size_t n) { return args.size() == n + 1; };

  if (command == "monitor-links" && need(2)) {
    LinkMonitor monitor;
    if (Status status = monitor.Open(); !status.ok()) return Fail(status.message());
    RunMonitor(monitor.fd(), std::atoi(args[1].c_str()), std::atoi(args[2].c_str()), [&] {
      bool overflow = false;
      int n = 0;
      for (const LinkEvent& event : monitor.Read(&overflow)) {
        PrintLink(event.type == LinkEvent::Type::kRemoved ? "removed " : "changed ", event.link);
        ++n;
      }
      if (overflow) std::printf("overflow\n");
      return n;
    });
    return 0;
  }
  if (command == "monitor-udev" && need(3)) {
    UdevMonitor monitor(args[1]);
    if (Status status = monitor.Open(); !status.ok()) return Fail(status.message());
    static const char* kActions[] = {"add", "remove", "change", "move", "other"};
    RunMonitor(monitor.fd(), std::atoi(args[2].c_str()), std::atoi(args[3].c_str()), [&] {
      int n = 0;
      for (const auto& event : monitor.Read()) {
        std::printf("uevent %s name=%s ifindex=%d old=%s\n",
                    kActions[static_cast<int>(event.action)], event.name.c_str(), event.ifindex,
                    event.old_name.empty() ? "-" : event.old_name.c_str());
        ++n;
      }
      return n;
    });
    return 0;
  }

  RtnlOps ops;
  if (Status status = ops.Open(); !status.ok()) return Fail(status.message());

  if (command == "dump" && need(0)) {
    auto links = ops.DumpLinks();
    if (!links.ok()) return Fail(links.message());
    for (const LinkInfo& link : links.value()) PrintLink("", link);
    return 0;
  }
  if (command == "rename" && need(2)) {
    const int index = IndexOf(args[1]);
    return index ? Report(ops.SetLinkName(index, args[2])) : 1;
  }
  if ((command == "up" || command == "down") && need(1)) {
    const int index = IndexOf(args[1]);
    return index ? Report(ops.SetLinkUp(index, command == "up")) : 1;
  }
  if (command == "bridge" && need(4)) {
    failoverd::core::BridgeSpec spec;
    spec.name = args[1];
    auto mac = MacAddress::Parse(args[2]);
    if (!mac) return Fail("bad MAC " + args[2]);
    spec.mac = *mac;
    spec.stp = args[3] == "1";
    spec.forward_delay_s = std::atoi(args[4].c_str());
    auto index = ops.CreateBridge(spec);
    if (!index.ok()) return Fail(index.message());
    std::printf("ifindex=%d\n", index.value());
    return 0;
  }
  if (command == "master" && need(2)) {
    const int index = IndexOf(args[1]), master = IndexOf(args[2]);
    return index && master ? Report(ops.SetMaster(index, master)) : 1;
  }
  if (command == "nomaster" && need(1)) {
    const int index = IndexOf(args[1]);
    return index ? Report(ops.SetMaster(index, 0)) : 1;
  }
  if (command == "prepare" && need(1)) return Report(ops.PrepareNic(args[1]));
  if (command == "address" && need(2)) {
    auto prefix = IpPrefix::Parse(args[2]);
    if (!prefix) return Fail("bad prefix " + args[2]);
    const int index = IndexOf(args[1]);
    return index ? Report(ops.EnsureAddress(index, *prefix)) : 1;
  }
  if (command == "route" && need(2)) {
    auto gateway = IpAddress::Parse(args[2]);
    if (!gateway) return Fail("bad gateway " + args[2]);
    const int index = IndexOf(args[1]);
    return index ? Report(ops.EnsureDefaultRoute(index, *gateway)) : 1;
  }
  if (command == "announce" && need(2)) {
    const int port = IndexOf(args[1]), bridge = IndexOf(args[2]);
    return port && bridge ? Report(ops.Announce(port, bridge)) : 1;
  }
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string netns;
  if (args.size() >= 2 && args[0] == "--netns") {
    netns = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!kReadOnlyCommands.count(args[0]) && !failoverd::kernel::InPrivateNetns(netns)) {
    return Fail(
        "refusing to change links outside a private network namespace; "
        "run as `ip netns exec NAME kernel_edge_tool --netns NAME ...`");
  }
  return Run(args);
}
