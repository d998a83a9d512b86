#include "failoverd/daemon/dry_run.h"

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "failoverd/core/decision.h"
#include "failoverd/core/live_nics.h"
#include "failoverd/core/plan.h"
#include "failoverd/daemon/migration.h"
#include "failoverd/daemon/overrides_json.h"
#include "failoverd/kernel/rtnl_ops.h"
#include "failoverd/state/state_store.h"
#include "firewall/nft_firewall.h"

namespace failoverd {

namespace {

using nlohmann::json;

std::string Joined(const json& parts, const char* separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part.get<std::string>();
  return text;
}

// The conversion a start would make of a live NIC named like a bridge, or its refusal.
Status JudgeConversion(const policy::Policy& policy, kernel::RtnlOps& kernel_ops, const MigrateOptions& migrate,
                       json& report) {
  firewall::NftFirewall firewall;
  Migration migration(policy, ReadMachineId(), kernel_ops, firewall);
  auto judged = migration.Judge(migrate.requested);
  if (!judged) return Status::Error("cannot judge a conversion: " + judged.message());
  if (judged->candidates.empty() && judged->takeovers.empty()) {
    if (migrate.requested)
      report["conversion"] = {{"nics", json::array()}, {"bridges", json::array()}, {"confirm_seconds", nullptr}};
    return Status::Ok();
  }
  if (!judged->declined.empty() || !judged->problems.empty()) {
    json reasons = json::array();
    if (!judged->declined.empty()) reasons.push_back(judged->declined);
    for (const auto& problem : judged->problems) reasons.push_back(problem);
    report["refused"] = {{"exit", kExitNotConverted}, {"reasons", reasons}};
    return Status::Ok();
  }
  auto configs = kernel_ops.ReadLiveConfigs();
  json nics = json::array();
  for (const auto& candidate : judged->candidates) {
    json addresses = json::array();
    for (const auto& prefix : candidate.addresses) addresses.push_back(prefix.ToString());
    json routes = json::array();
    if (configs)
      if (auto config = configs->find(candidate.ifindex); config != configs->end())
        for (const auto& route : config->second.routes) routes.push_back(route);
    nics.push_back({{"nic", candidate.bridge},
                    {"bridge", candidate.bridge},
                    {"mac", candidate.mac.ToString()},
                    {"addresses", addresses},
                    {"routes", routes}});
  }
  json bridges = json::array();
  for (const auto& takeover : judged->takeovers) {
    json addresses = json::array();
    for (const auto& prefix : takeover.addresses) addresses.push_back(prefix.ToString());
    json ports = json::array();
    for (int ifindex : takeover.ports)
      if (const core::LinkInfo* port = judged->observed.Find(ifindex)) ports.push_back(port->name);
    bridges.push_back(
        {{"bridge", takeover.bridge}, {"mac", takeover.mac.ToString()}, {"addresses", addresses}, {"ports", ports}});
  }
  report["conversion"] = {{"nics", nics}, {"bridges", bridges}, {"confirm_seconds", migrate.confirm_seconds}};
  return Status::Ok();
}

// Per bridge: the NIC it would forward through, its standbys, addresses and gateway.
json BridgesOf(const core::Decision& decision) {
  std::map<int, const core::NicDecision*> by_ifindex;
  for (const auto& nic : decision.nics) by_ifindex[nic.ifindex] = &nic;
  json bridges = json::array();
  for (const auto& bridge : decision.bridges) {
    const policy::Bridge& wanted = *bridge.policy;
    json standbys = json::array();
    for (const auto& nic : decision.nics)
      if (nic.bridge == wanted.name && nic.role == core::NicRole::kStandby) standbys.push_back(nic.name);
    json addresses = json::array();
    for (const auto& prefix : wanted.addresses) addresses.push_back(prefix.ToString());
    const auto active = by_ifindex.find(bridge.active);
    bridges.push_back({{"name", wanted.name},
                       {"zone", wanted.zone},
                       {"mac", bridge.mac.ToString()},
                       {"active", active != by_ifindex.end() ? json(active->second->name) : json()},
                       {"why", bridge.reason},
                       {"standbys", standbys},
                       {"addresses", addresses},
                       {"gateway", wanted.gateway ? json(wanted.gateway->ToString()) : json()}});
  }
  return bridges;
}

Result<json> Report(const policy::Policy& policy, const MigrateOptions& migrate) {
  SystemClock clock;
  kernel::RtnlOps kernel_ops;
  if (Status ok = kernel_ops.Open(); !ok) return Status::Error("cannot open netlink: " + ok.message());
  json report = json::object();
  if (Status judged = JudgeConversion(policy, kernel_ops, migrate, report); !judged) return judged;
  if (report.contains("refused")) return report;
  auto dumped = kernel_ops.DumpLinks();
  if (!dumped) return Status::Error("cannot read links: " + dumped.message());
  std::vector<core::LinkInfo> links = *dumped;
  // A bridge --migrate takes over carries failoverd's mark before the start looks.
  if (const auto conversion = report.find("conversion"); conversion != report.end())
    for (const auto& taken : conversion->value("bridges", json::array()))
      for (auto& link : links)
        if (link.name == taken["bridge"].get<std::string>()) link.alias = std::string(core::kOwnerMark);
  core::ObservedState observed;
  observed.ReplaceAll(links, clock.Now());
  // Live NICs (someone's address or route on them) are left alone, as the daemon would.
  std::map<int, std::string> left_alone;
  std::set<int> all;
  for (const auto& [ifindex, link] : observed.links()) all.insert(ifindex);
  if (auto configs = kernel_ops.ReadLiveConfigs(); configs) {
    // A NIC named like a bridge with addresses is converted at start, not left alone.
    std::set<int> converting;
    for (const auto& bridge : policy.bridges)
      if (const core::LinkInfo* link = observed.FindByName(bridge.name); link && !link->is_bridge())
        converting.insert(link->ifindex);
    left_alone = core::JudgeLiveNics(policy, observed, *configs, all, converting);
  } else {
    std::fprintf(stderr, "failoverd: cannot read addresses and routes: %s\n", configs.message().c_str());
  }
  report["left_alone"] = json::array();
  for (const auto& [ifindex, reason] : left_alone)
    report["left_alone"].push_back({{"nic", observed.Find(ifindex)->name}, {"reason", reason}});

  StateStore state(policy.daemon.state_dir);
  if (Status loaded = state.Load(); !loaded) std::fprintf(stderr, "failoverd: %s (ignored)\n", loaded.message().c_str());
  // The administrator's overrides count, as they would for the daemon.
  const core::Overrides overrides = OverridesFromJson(state.Section("overrides"));
  const core::Decision decision = core::Decide(
      {policy, observed, state.names(), ReadMachineId(), clock.Now(), nullptr, &overrides, nullptr, &left_alone});
  core::Progress progress;
  if (const json& managed = state.Section("bridges"); managed.is_array())
    for (const auto& bridge : managed)
      if (bridge.is_string() && !policy.FindBridge(bridge.get<std::string>()))
        progress.retired_bridges.insert(bridge.get<std::string>());
  progress.unmarked_own_bridges = core::OwnedAtStart(policy, observed, StringsOf(state.Section(StateStore::kMadeBeforeMarks)),
                                                     StringsOf(state.Section("bridges")));
  json firewall = json::array();
  firewall.push_back("replace table inet failoverd: the policy's bridges" +
                     std::string(policy.interfaces.empty() ? "" : " and [[interface]]s") +
                     " governed (what their zone does not accept is dropped), " + policy.nics.prefix +
                     "* NICs dropped, every other interface left to your own rules");
  for (const auto& interface : policy.interfaces)
    firewall.push_back("interface " + interface.name + " gets zone '" + interface.zone + "'");
  for (const auto& bridge : policy.bridges)
    if (const core::LinkInfo* link = observed.FindByName(bridge.name); link && link->is_bridge() && core::IsOwnBridge(*link, progress)) {
      progress.zoned_bridges.insert(bridge.name);
      firewall.push_back("keep zone '" + bridge.zone + "' of existing bridge " + bridge.name +
                         " in the same transaction");
    }
  report["firewall"] = firewall;
  const core::Plan plan = core::MakePlan(policy, decision, observed, progress);
  report["actions"] = json::array();
  for (const auto& action : plan.actions)
    report["actions"].push_back({{"action", core::ToString(action.type)}, {"text", action.Describe()}});
  report["blocked"] = json::array();
  for (const auto& [bridge, why] : plan.blocked) report["blocked"].push_back({{"bridge", bridge}, {"why", why}});
  report["bridges"] = BridgesOf(decision);
  return report;
}

}  // namespace

std::string DryRunText(const json& report) {
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  if (const auto refused = report.find("refused"); refused != report.end()) {
    line("a start would refuse to convert this host (exit " + std::to_string(refused->value("exit", 0)) +
         "), changing nothing:");
    for (const auto& reason : (*refused)["reasons"]) line("  " + reason.get<std::string>());
    return out;
  }
  if (const auto conversion = report.find("conversion"); conversion != report.end()) {
    if ((*conversion)["nics"].empty() && conversion->value("bridges", json::array()).empty())
      line("convert: no NIC named like a bridge carries addresses, and no bridge of the policy's is someone else's; "
           "nothing to convert");
    for (const auto& nic : (*conversion)["nics"]) {
      const std::string bridge = nic["bridge"];
      line("convert: " + nic["nic"].get<std::string>() + " becomes a bridge named " + bridge +
           " with the NIC (renamed below) as its port; the bridge keeps MAC " + nic["mac"].get<std::string>() +
           "; " + Joined(nic["addresses"], ", ") + " move to the bridge");
      for (const auto& route : nic["routes"]) line("convert: " + bridge + ": " + route.get<std::string>() + " moves to the bridge");
    }
    for (const auto& bridge : conversion->value("bridges", json::array()))
      line("convert: bridge " + bridge["bridge"].get<std::string>() + ", which failoverd did not make, is taken over: " +
           "marked as failoverd's, given its zone, brought to the policy; it keeps MAC " +
           bridge["mac"].get<std::string>() + ", its addresses (" +
           (bridge["addresses"].empty() ? std::string("none") : Joined(bridge["addresses"], ", ")) + ") and ports (" +
           (bridge["ports"].empty() ? std::string("none") : Joined(bridge["ports"], ", ")) + ")");
    if (!(*conversion)["nics"].empty() || !conversion->value("bridges", json::array()).empty())
      line("convert: under a confirm window of " + std::to_string((*conversion)["confirm_seconds"].get<int>()) +
           " s: unless `failoverctl confirm` comes in time (or if failoverd stops inside it), the host is put back "
           "exactly as it is now");
  }
  for (const auto& nic : report.value("left_alone", json::array()))
    line(nic["nic"].get<std::string>() + ": " + nic["reason"].get<std::string>());
  for (const auto& text : report.value("firewall", json::array())) line("firewall: " + text.get<std::string>());
  for (const auto& action : report.value("actions", json::array())) line(action["text"]);
  for (const auto& blocked : report.value("blocked", json::array()))
    line(blocked["bridge"].get<std::string>() + ": cannot be set up: " + blocked["why"].get<std::string>());
  if (report.value("actions", json::array()).empty()) line("nothing else to change");
  for (const auto& bridge : report.value("bridges", json::array())) {
    const json& active = bridge["active"];
    // Decided on the links as they are now: a NIC still down has no carrier to judge
    // yet, so the plan first sets it up and the attach follows once it has carrier.
    std::string text = "bridge " + bridge["name"].get<std::string>() + ": " +
                       (active.is_null() ? std::string("no NIC with carrier to forward through yet")
                                         : "forwards through " + active.get<std::string>());
    if (!bridge["standbys"].empty()) text += ", standby " + Joined(bridge["standbys"], ", ");
    text += "; addresses " + (bridge["addresses"].empty() ? std::string("none") : Joined(bridge["addresses"], ", "));
    if (!bridge["gateway"].is_null()) text += "; gateway " + bridge["gateway"].get<std::string>();
    line(text + "; zone " + bridge["zone"].get<std::string>());
  }
  return out;
}

int PrintDryRun(const policy::Policy& policy, const MigrateOptions& migrate, bool json_output) {
  auto report = Report(policy, migrate);
  if (!report) {
    std::fprintf(stderr, "failoverd: %s\n", report.message().c_str());
    return 1;
  }
  const std::string text = json_output ? report->dump(2) + "\n" : DryRunText(*report);
  std::fputs(text.c_str(), stdout);
  if (const auto refused = report->find("refused"); refused != report->end()) return refused->value("exit", 1);
  return 0;
}

}  // namespace failoverd
