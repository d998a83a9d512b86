#include "decide_host.h"

#include <cstdio>

#include "failoverd/core/bridge_mac.h"
#include "fakes/observed_builder.h"
#include "fakes/test_policy.h"

namespace failoverd::bench {

namespace {

std::string NicMac(int index) {
  char text[18];
  std::snprintf(text, sizeof text, "02:00:00:01:%02x:%02x", (index >> 8) & 0xff, index & 0xff);
  return text;
}

constexpr const char* kMachineId = "bench-machine-id";

}  // namespace

core::Decision DecideHost::Decide() const {
  return core::Decide({policy, observed, remembered_names, kMachineId, now});
}

core::Plan DecideHost::DecideAndPlan() const {
  const core::Decision decision = Decide();
  return core::MakePlan(policy, decision, observed, progress);
}

DecideHost MakeSettledHost(int nic_count) {
  DecideHost host;
  host.now = MonoTime(std::chrono::hours(1));
  testing::ObservedBuilder links(host.observed);
  std::vector<policy::Bridge> bridges;
  for (int i = 0; i < nic_count; ++i) {
    const std::string name = "hweth" + std::to_string(i);
    const int ifindex = links.Add(name, NicMac(i));
    host.nic_ifindexes.push_back(ifindex);
    host.remembered_names[*MacAddress::Parse(NicMac(i))] = name;
    host.progress.prepared_nics.insert(ifindex);
  }
  for (int b = 0; b < nic_count / 2; ++b) {
    const std::string name = "lan" + std::to_string(b);
    bridges.push_back(testing::ActiveBackup(name, {NicMac(2 * b), NicMac(2 * b + 1)}));
    // Settled: the MAC the policy (mac = "stable") gives it on this machine.
    const int ifindex = links.Add(name, core::StableBridgeMac(kMachineId, name).ToString(), true, "bridge");
    host.bridge_ifindexes.push_back(ifindex);
    links.Enslave(host.nic_ifindexes[static_cast<size_t>(2 * b)], ifindex);
    host.progress.zoned_bridges.insert(name);
    host.progress.configured_bridges.insert(name);
  }
  host.policy = testing::VethPolicy(std::move(bridges));
  return host;
}

void LoseCarrierOfFirstActive(DecideHost& host) {
  testing::ObservedBuilder links(host.observed);
  links.SetCarrier(host.nic_ifindexes.at(0), false, host.now);
}

std::string DescribePlan(const core::Plan& plan) {
  std::string text;
  for (const auto& action : plan.actions) {
    if (!text.empty()) text += ", ";
    text += std::string(core::ToString(action.type)) + " " + action.name;
    if (!action.bridge.empty()) text += ">" + action.bridge;
  }
  return text.empty() ? "(empty)" : text;
}

}  // namespace failoverd::bench
