// Builds policies in code for unit tests, without the TOML parser.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace failoverd::testing {

// The MACs of the first NICs of a test: one spelling for every test that needs them.
inline constexpr const char* kMacA = "02:00:00:00:01:01";
inline constexpr const char* kMacB = "02:00:00:00:01:02";
inline constexpr const char* kMacC = "02:00:00:00:01:03";

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
