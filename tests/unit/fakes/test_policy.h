// Builds policies in code for unit tests, without the TOML parser.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace failoverd::testing {

inline policy::NicSelector MacPort(const std::string& mac) {
  return {policy::NicSelector::Kind::kMac, mac, {}};
}

inline policy::Bridge ActiveBackup(const std::string& name, std::vector<std::string> port_macs,
                                   const std::string& address = "") {
  policy::Bridge bridge;
  bridge.name = name;
  bridge.zone = "lan";
  for (const auto& mac : port_macs) bridge.ports.push_back(MacPort(mac));
  if (!address.empty()) bridge.addresses.push_back(*IpPrefix::Parse(address));
  return bridge;
}

inline policy::Policy VethPolicy(std::vector<policy::Bridge> bridges) {
  policy::Policy policy;
  policy.source_path = "test.toml";
  policy.daemon.state_dir = "/nonexistent-failoverd-test-state";
  policy.daemon.zones_dir = FAILOVERD_SOURCE_DIR "/firewall/zones";
  policy.daemon.udev_source = policy::UdevSource::kKernel;
  policy.nics.include = {{policy::NicSelector::Kind::kKind, "veth", {}}};
  policy.bridges = std::move(bridges);
  return policy;
}

}  // namespace failoverd::testing
