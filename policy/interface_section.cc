// [[interface]]: a zone for an interface failoverd does not manage. failoverd's
// firewall judges only its own bridges and NICs; a management NIC, a VPN or a
// container bridge is left to the administrator's rules unless it is named here.
#include <map>

#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

struct ParsedInterface {
  InterfaceZone interface;
};

using I = ParsedInterface;

// The schema of this section: one row per key.
constexpr KeySpec<I> kInterfaceKeys[] = {
    {"name", [](const KeyValue& v, I& i) { Set(i.interface.name, ReadInterfaceName(v, "interface")); }},
    {"zone", [](const KeyValue& v, I& i) { Set(i.interface.zone, ReadZone(v)); i.interface.zone_pos = v.pos(); }},
};

}  // namespace

std::vector<InterfaceZone> ReadInterfaceSections(const KeyValue& value) {
  std::vector<InterfaceZone> interfaces;
  const toml::array* array = value.node.as_array();
  if (!array) {
    value.Error(std::string("expected an array of tables for 'interface' (write [[interface]]), got ") +
                TypeName(value.node));
    return interfaces;
  }
  for (const toml::node& element : *array) {
    const toml::table* table = element.as_table();
    if (!table) {
      value.diag.Add(PosOf(element), std::string("expected a table in 'interface', got ") + TypeName(element));
      continue;
    }
    ParsedInterface parsed;
    parsed.interface.pos = PosOf(*table);
    const SeenKeys seen = ApplyKeyTable(*table, kInterfaceKeys, "in [[interface]]", value.diag, parsed);
    if (!seen.Has("name")) value.diag.Add(parsed.interface.pos, "missing 'name' in [[interface]]");
    if (!seen.Has("zone"))
      value.diag.Add(parsed.interface.pos,
                     "missing 'zone' in [[interface]]: an interface is named here only to give it a zone");
    if (seen.Valid("name") && seen.Valid("zone")) interfaces.push_back(std::move(parsed.interface));
  }
  return interfaces;
}

void CheckInterfaces(const std::vector<InterfaceZone>& interfaces, const std::vector<ParsedBridge>& bridges,
                     std::string_view nic_prefix, Diagnostics& diag) {
  std::map<std::string, SourcePos, std::less<>> first_use;
  for (const ParsedBridge& bridge : bridges)
    if (!bridge.bridge.name.empty()) first_use.emplace(bridge.bridge.name, bridge.bridge.pos);
  for (const InterfaceZone& interface : interfaces) {
    if (interface.name == "lo") {
      diag.Add(interface.pos, "interface 'lo' cannot be given a zone: loopback traffic is always accepted");
      continue;
    }
    if (!nic_prefix.empty() && interface.name.starts_with(nic_prefix)) {
      diag.Add(interface.pos, "interface '" + interface.name + "' starts with the NIC prefix '" +
                                  std::string(nic_prefix) + "': failoverd's NICs are never given a zone of their own");
      continue;
    }
    const auto [it, inserted] = first_use.emplace(interface.name, interface.pos);
    if (!inserted)
      diag.Add(interface.pos, "'" + interface.name + "' is already named at line " + std::to_string(it->second.line) +
                                  " (a bridge's zone is its 'zone' key)");
  }
}

}  // namespace failoverd::policy::detail
