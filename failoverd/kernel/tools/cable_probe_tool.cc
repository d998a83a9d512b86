// cable_probe_tool: drives one CableProbe from the command line for the
// namespace kernel check tests/kernel/test_cable_probe.sh, and sends raw
// frames (the malformed ones the check feeds the probe). Not installed; not
// part of the daemon.
//
// Both commands put frames on a wire, so both need `--netns NAME` and run only
// if the tool really is inside that named namespace (`ip netns exec NAME ...`):
// probes and hand-made frames must never leave by one of the machine's own NICs.
//
// `watch` prints one JSON object per line (flushed at once, for wait_until):
//   {"ready":true}                      the socket is open
//   {"sent":"arp","target":"192.0.2.1"} {"sent":"rs"}
//   {"lldp":{...}} {"arp":{...}} {"ra":{...}}  one per observation
//   {"malformed":N}                     whenever the malformed count grows
//   {"done":true,"malformed":N}         at the end
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/kernel/netns_guard.h"
#include "failoverd/kernel/cable_probe.h"
#include "failoverd/kernel/kernel_log.h"
#include "failoverd/kernel/rtnl_ops.h"

namespace {

using failoverd::IpAddress;
using failoverd::IpFamily;
using failoverd::MacAddress;
using failoverd::Status;
using failoverd::core::CableObservation;
using failoverd::kernel::CableProbe;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: ip netns exec NAME cable_probe_tool --netns NAME COMMAND ARGS\n"
    "  watch IFNAME SECONDS [--arp IPV4]... [--rs] [--every-ms N]\n"
    "      open a cable probe on IFNAME, send the ARP probes / router solicitation\n"
    "      every N ms (default 1000), print what is seen for SECONDS\n"
    "  send IFNAME HEX...\n"
    "      send each HEX string as one raw Ethernet frame out of IFNAME\n";


int Fail(const std::string& message) {
  std::fprintf(stderr, "cable_probe_tool: %s\n", message.c_str());
  return 1;
}

void PrintLine(const nlohmann::json& line) {
  std::printf("%s\n", line.dump().c_str());
  std::fflush(stdout);
}

nlohmann::json ToJson(const CableObservation& observation) {
  if (observation.kind == CableObservation::Kind::kLldp) {
    const auto* lldp = &observation.lldp;
    return {{"lldp",
             {{"chassis_id", lldp->chassis_id},
              {"port_id", lldp->port_id},
              {"port_description", lldp->port_description},
              {"system_name", lldp->system_name},
              {"port_vlan", lldp->port_vlan ? nlohmann::json(*lldp->port_vlan) : nullptr},
              {"ttl_s", lldp->ttl_s}}}};
  }
  if (observation.kind == CableObservation::Kind::kArp) {
    const auto* arp = &observation.arp;
    return {{"arp", {{"target", arp->target.ToString()}, {"mac", arp->mac.ToString()}}}};
  }
  const auto* ra = &observation.ra;
  nlohmann::json prefixes = nlohmann::json::array();
  for (const auto& prefix : ra->prefixes) prefixes.push_back(prefix.ToString());
  return {{"ra",
           {{"router", ra->router.ToString()},
            {"router_mac", ra->router_mac.ToString()},
            {"prefixes", prefixes}}}};
}

int Watch(const std::vector<std::string>& args) {
  if (args.size() < 3) return Fail(kUsage);
  const std::string& name = args[1];
  const int seconds = std::atoi(args[2].c_str());
  std::vector<IpAddress> targets;
  bool rs = false;
  int every_ms = 1000;
  for (size_t i = 3; i < args.size(); ++i) {
    if (args[i] == "--rs") {
      rs = true;
    } else if (args[i] == "--arp" && i + 1 < args.size()) {
      auto ip = IpAddress::Parse(args[++i]);
      if (!ip || ip->family != IpFamily::kV4) return Fail("--arp needs an IPv4 address");
      targets.push_back(*ip);
    } else if (args[i] == "--every-ms" && i + 1 < args.size()) {
      every_ms = std::max(100, std::atoi(args[++i].c_str()));
    } else {
      return Fail(kUsage);
    }
  }
  failoverd::kernel::RtnlOps rtnl;
  if (Status opened = rtnl.Open(); !opened) return Fail(opened.message());
  auto link = rtnl.GetLinkByName(name);
  if (!link) return Fail(link.message());

  // Every malformed frame's reason on stderr, for the check.
  failoverd::kernel::ComponentLogger(failoverd::kernel::kProbeLogger)
      ->set_level(spdlog::level::debug);
  CableProbe probe(link->ifindex, name, link->mac);
  if (Status status = probe.Open(); !status.ok()) return Fail(status.message());
  PrintLine({{"ready", true}});

  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  auto next_send = Clock::now();
  uint64_t malformed_printed = 0;
  while (Clock::now() < deadline) {
    if ((!targets.empty() || rs) && Clock::now() >= next_send) {
      for (const IpAddress& target : targets) {
        if (Status s = probe.SendArpProbe(target); !s.ok())
          Fail(s.message());
        else
          PrintLine({{"sent", "arp"}, {"target", target.ToString()}});
      }
      if (rs) {
        if (Status s = probe.SendRouterSolicitation(); !s.ok())
          Fail(s.message());
        else
          PrintLine({{"sent", "rs"}});
      }
      next_send = Clock::now() + std::chrono::milliseconds(every_ms);
    }
    auto wake = (!targets.empty() || rs) ? std::min(deadline, next_send) : deadline;
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
    pollfd pfd{probe.fd(), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(std::max<int64_t>(wait_ms, 0))) <= 0) continue;
    for (const CableObservation& observation : probe.Read()) PrintLine(ToJson(observation));
    if (probe.malformed() != malformed_printed) {
      malformed_printed = probe.malformed();
      PrintLine({{"malformed", malformed_printed}});
    }
  }
  PrintLine({{"done", true}, {"malformed", probe.malformed()}});
  return 0;
}

std::optional<std::vector<uint8_t>> ParseHex(const std::string& hex) {
  if (hex.size() % 2) return std::nullopt;
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    const std::string pair = hex.substr(i, 2);
    const long v = std::strtol(pair.c_str(), &end, 16);
    if (*end != '\0') return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(v));
  }
  return bytes;
}

int Send(const std::vector<std::string>& args) {
  if (args.size() < 3) return Fail(kUsage);
  const unsigned ifindex = if_nametoindex(args[1].c_str());
  if (ifindex == 0) return Fail(args[1] + ": no such interface");
  // Protocol 0: this socket only sends.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(std::string("packet socket: ") + std::strerror(errno));
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
    close(fd);
    return Fail(std::string("bind: ") + std::strerror(errno));
  }
  int sent = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    auto frame = ParseHex(args[i]);
    if (!frame) {
      close(fd);
      return Fail("not a hex string: " + args[i]);
    }
    if (send(fd, frame->data(), frame->size(), 0) != static_cast<ssize_t>(frame->size())) {
      close(fd);
      return Fail(std::string("send: ") + std::strerror(errno));
    }
    ++sent;
  }
  close(fd);
  std::printf("sent %d\n", sent);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string netns;
  if (args.size() >= 2 && args[0] == "--netns") {
    netns = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) return Fail(kUsage);
  if (!failoverd::kernel::InPrivateNetns(netns)) {
    return Fail(
        "refusing to put frames on a wire outside a private network namespace; "
        "run as `ip netns exec NAME cable_probe_tool --netns NAME ...`");
  }
  if (args[0] == "watch") return Watch(args);
  if (args[0] == "send") return Send(args);
  return Fail(kUsage);
}
