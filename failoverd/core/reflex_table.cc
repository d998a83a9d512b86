#include "failoverd/core/reflex_table.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>

namespace failoverd::core {

namespace {

bool ParseInt(std::string_view text, int& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end && value >= 0;
}

}  // namespace

ReflexTable MakeReflexTable(const policy::Policy& policy, const Decision& decision, const ObservedState& observed) {
  ReflexTable table;
  table.hold_down_ms = policy.daemon.hold_down_ms;
  for (const auto& bridge : decision.bridges) {
    if (bridge.isolated || !bridge.active) continue;
    const LinkInfo* link = observed.FindByName(bridge.policy->name);
    const LinkInfo* active = observed.Find(bridge.active);
    if (!link || !link->is_own_bridge() || !active || active->master != link->ifindex) continue;
    // Exactly whom the decision would let take over: its identification and up_delay
    // rules are Decide's, not repeated here.
    ReflexEntry entry{bridge.policy->name, link->ifindex, bridge.active, bridge.successors};
    if (!entry.standbys.empty()) table.entries.push_back(std::move(entry));
  }
  return table;
}

std::string ReflexTableText(const ReflexTable& table) {
  std::string text = "hold_down_ms " + std::to_string(table.hold_down_ms) + "\n";
  for (const auto& entry : table.entries) {
    text += "bridge " + entry.bridge + " " + std::to_string(entry.bridge_ifindex) + " " + std::to_string(entry.active) + " ";
    for (size_t i = 0; i < entry.standbys.size(); ++i) text += (i ? "," : "") + std::to_string(entry.standbys[i]);
    text += "\n";
  }
  return text;
}

std::optional<ReflexTable> ParseReflexTable(std::string_view text) {
  ReflexTable table;
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  {
    std::istringstream first(line);
    std::string key, value, extra;
    if (!(first >> key >> value) || key != "hold_down_ms" || (first >> extra) || !ParseInt(value, table.hold_down_ms))
      return std::nullopt;
  }
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, bridge_ifindex, active, standbys, extra;
    ReflexEntry entry;
    if (!(fields >> key >> entry.bridge >> bridge_ifindex >> active >> standbys) || (fields >> extra) ||
        key != "bridge" || !ParseInt(bridge_ifindex, entry.bridge_ifindex) || !ParseInt(active, entry.active))
      return std::nullopt;
    std::istringstream list(standbys);
    for (std::string item; std::getline(list, item, ',');) {
      int ifindex = 0;
      if (!ParseInt(item, ifindex)) return std::nullopt;
      entry.standbys.push_back(ifindex);
    }
    if (entry.standbys.empty() || entry.bridge_ifindex == 0 || entry.active == 0) return std::nullopt;
    table.entries.push_back(std::move(entry));
  }
  return table;
}

std::optional<ReflexStep> ReflexStepFor(const ReflexTable& table, int lost, const std::vector<LinkInfo>& links) {
  const auto entry = std::find_if(table.entries.begin(), table.entries.end(),
                                  [lost](const ReflexEntry& e) { return e.active == lost; });
  if (entry == table.entries.end()) return std::nullopt;
  std::map<int, const LinkInfo*> by_ifindex;
  for (const auto& link : links) by_ifindex[link.ifindex] = &link;
  const auto bridge = by_ifindex.find(entry->bridge_ifindex);
  if (bridge == by_ifindex.end() || bridge->second->name != entry->bridge || !bridge->second->is_own_bridge())
    return std::nullopt;  // not the bridge it was
  for (const auto& link : links)
    if (link.master == entry->bridge_ifindex && link.carrier && link.ifindex != lost && link.admin_up)
      return std::nullopt;  // another port forwards already
  if (auto still = by_ifindex.find(lost); still != by_ifindex.end() && still->second->carrier) return std::nullopt;
  for (int candidate : entry->standbys) {
    const auto nic = by_ifindex.find(candidate);
    if (nic == by_ifindex.end()) continue;
    const LinkInfo& link = *nic->second;
    if (link.admin_up && link.carrier && link.master == 0) return ReflexStep{entry->bridge, entry->bridge_ifindex, candidate};
  }
  return std::nullopt;
}

}  // namespace failoverd::core
