// The entries of a bridge's `ports`: which NICs the bridge prefers, in order.
// Each entry is a table with exactly one selector key.
#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

// The selectors one entry produced (more than one is an error, reported
// after the whole entry has been read).
struct PortEntry {
  std::vector<NicSelector> selectors;
};

void AddPattern(const KeyValue& v, NicSelector::Kind kind, PortEntry& entry) {
  if (auto pattern = ReadNonEmptyString(v))
    entry.selectors.push_back(NicSelector{kind, std::move(*pattern), v.pos()});
}

// MACs are stored in canonical form so that equal MACs compare equal as text.
void AddMac(const KeyValue& v, PortEntry& entry) {
  const auto text = ReadString(v);
  if (!text) return;
  const auto mac = MacAddress::Parse(*text);
  if (!mac) {
    v.Error("'" + *text + "' is not a MAC address");
    return;
  }
  entry.selectors.push_back(NicSelector{NicSelector::Kind::kMac, mac->ToString(), v.pos()});
}

using P = PortEntry;
using Kind = NicSelector::Kind;

constexpr KeySpec<P> kPortKeys[] = {
    {"mac", [](const KeyValue& v, P& p) { AddMac(v, p); }},
    {"path", [](const KeyValue& v, P& p) { AddPattern(v, Kind::kPath, p); }},
    {"driver", [](const KeyValue& v, P& p) { AddPattern(v, Kind::kDriver, p); }},
    {"name", [](const KeyValue& v, P& p) { AddPattern(v, Kind::kName, p); }},
};

constexpr std::string_view kSelectorKeys = "mac, path, driver or name";

std::optional<NicSelector> ReadPortEntry(const toml::table& table, Diagnostics& diag) {
  PortEntry entry;
  const SeenKeys seen = ApplyKeyTable(table, kPortKeys, "in a ports entry", diag, entry);
  std::vector<std::string_view> given;
  for (const auto& row : kPortKeys)
    if (seen.Has(row.name)) given.push_back(row.name);

  const SourcePos pos = PosOf(table);
  if (given.size() > 1) {
    diag.Add(pos, "a ports entry must have exactly one of " + std::string(kSelectorKeys) +
                      ", got " + JoinWords(given, "and"));
    return std::nullopt;
  }
  // An entry with only unknown keys already has its error.
  if (table.empty()) diag.Add(pos, "a ports entry needs one of " + std::string(kSelectorKeys));
  if (entry.selectors.size() != 1) return std::nullopt;
  NicSelector selector = std::move(entry.selectors.front());
  selector.pos = pos;  // the entry as a whole is "the port" in later messages
  return selector;
}

}  // namespace

std::vector<NicSelector> ReadPorts(const KeyValue& value) {
  std::vector<NicSelector> ports;
  const toml::array* array = ReadArray(value);
  if (!array) return ports;
  for (const toml::node& element : *array) {
    // Usually inline tables ({ mac = "..." }); [[bridge.ports]] tables mean the same.
    if (const toml::table* table = element.as_table()) {
      if (auto selector = ReadPortEntry(*table, value.diag)) ports.push_back(std::move(*selector));
    } else {
      value.diag.Add(PosOf(element),
                     std::string("expected a table like { mac = \"...\" } in 'ports', got ") +
                         TypeName(element));
    }
  }
  return ports;
}

}  // namespace failoverd::policy::detail
