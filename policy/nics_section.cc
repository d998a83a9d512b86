// [nics]: which links are managed NICs and what they are renamed to.
#include <algorithm>

#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

// NIC names are PREFIX + a number and must fit IFNAMSIZ-1 = 15 characters;
// ten letters leave room for five digits.
constexpr size_t kMaxPrefixLength = 10;

// udev ID_PATH values start with the bus; a bare string starting with one of
// these is a path, not a name glob.
constexpr std::string_view kPathBuses[] = {"pci-", "usb-", "platform-", "acpi-"};

std::optional<std::string> ReadPrefix(const KeyValue& v) {
  auto prefix = ReadNonEmptyString(v);
  if (!prefix) return std::nullopt;
  const bool letters = std::all_of(prefix->begin(), prefix->end(),
                                   [](char c) { return c >= 'a' && c <= 'z'; });
  if (!letters) {
    v.Error("prefix '" + *prefix + "' may only contain lower-case letters a-z");
    return std::nullopt;
  }
  if (prefix->size() > kMaxPrefixLength) {
    v.Error("prefix '" + *prefix + "' is longer than " + std::to_string(kMaxPrefixLength) +
            " characters");
    return std::nullopt;
  }
  return prefix;
}

std::optional<std::vector<NicSelector>> ReadSelectors(const KeyValue& v) {
  std::vector<NicSelector> selectors;
  bool ok = true;
  ForEachString(v, [&](const KeyValue& item, const std::string& text) {
    auto selector = ParseNicSelector(item, text);
    if (selector)
      selectors.push_back(std::move(*selector));
    else
      ok = false;
  });
  if (!ok || !v.node.is_array()) return std::nullopt;
  return selectors;
}

using N = NicSettings;

constexpr KeySpec<N> kNicsKeys[] = {
    {"prefix", [](const KeyValue& v, N& n) { Set(n.prefix, ReadPrefix(v)); }},
    {"include", [](const KeyValue& v, N& n) { Set(n.include, ReadSelectors(v)); }},
    {"exclude", [](const KeyValue& v, N& n) { Set(n.exclude, ReadSelectors(v)); }},
};

// "kind:veth" -> "veth" when text starts with "kind:" (possibly empty).
std::optional<std::string_view> AfterTag(std::string_view text, std::string_view tag) {
  if (text.size() <= tag.size() || text[tag.size()] != ':' || !text.starts_with(tag))
    return std::nullopt;
  return text.substr(tag.size() + 1);
}

}  // namespace

std::optional<NicSelector> ParseNicSelector(const KeyValue& item, const std::string& text) {
  using Kind = NicSelector::Kind;
  if (text.empty()) {
    item.Error("empty selector in '" + std::string(item.key) + "'");
    return std::nullopt;
  }
  const SourcePos pos = item.pos();
  if (text == "physical") return NicSelector{Kind::kPhysical, text, pos};

  // Tagged forms: "kind:veth", "mac:...", "path:...", "driver:...", "name:...".
  for (const Kind kind : {Kind::kKind, Kind::kMac, Kind::kPath, Kind::kDriver, Kind::kName}) {
    const auto pattern = AfterTag(text, ToString(kind));
    if (!pattern) continue;
    if (pattern->empty()) {
      item.Error("'" + text + "' has an empty pattern");
      return std::nullopt;
    }
    if (kind == Kind::kMac) {
      const auto mac = MacAddress::Parse(*pattern);
      if (!mac) {
        item.Error("'" + std::string(*pattern) + "' is not a MAC address");
        return std::nullopt;
      }
      return NicSelector{kind, mac->ToString(), pos};
    }
    return NicSelector{kind, std::string(*pattern), pos};
  }

  // Untagged forms, recognised by their shape.
  if (const auto mac = MacAddress::Parse(text))
    return NicSelector{Kind::kMac, mac->ToString(), pos};
  for (const std::string_view bus : kPathBuses)
    if (text.starts_with(bus)) return NicSelector{Kind::kPath, text, pos};
  return NicSelector{Kind::kName, text, pos};
}

void ReadNicsSection(const KeyValue& value, NicSettings& nics) {
  if (const toml::table* table = ReadTable(value))
    ApplyKeyTable(*table, kNicsKeys, "in [nics]", value.diag, nics);
}

}  // namespace failoverd::policy::detail
