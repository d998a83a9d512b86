// [nics]: which links are managed NICs and what they are renamed to.
#include <algorithm>

#include "policy/sections.h"
#include "policy/suggest.h"

namespace failoverd::policy::detail {

namespace {

// NIC names are PREFIX + a number and must fit IFNAMSIZ-1 = 15 characters;
// ten letters leave room for five digits.
constexpr size_t kMaxPrefixLength = 10;

// udev ID_PATH values start with the bus; a bare string starting with one of
// these is a path, not a name glob.
constexpr std::string_view kPathBuses[] = {"pci-", "usb-", "platform-", "acpi-"};

// The link kinds rtnetlink reports in IFLA_INFO_KIND (`ip -d link` shows them), as far
// as they can be a NIC worth managing or a thing to exclude. A kind outside this list
// cannot match any link: it is a typo ("kind:vet").
constexpr std::string_view kLinkKinds[] = {
    "veth",  "vlan",    "macvlan", "macvtap", "ipvlan", "ipvtap",  "vxlan",   "geneve",    "bond",
    "team",  "dummy",   "tun",     "ifb",     "gretap", "ip6gretap", "erspan", "ip6erspan", "wireguard",
    "vrf",   "macsec",  "hsr",     "bareudp", "netdevsim", "nlmon", "virt_wifi", "xfrm",  "gtp",
    "ipoib", "vcan",    "vxcan",   "batadv",  "wwan",   "amt",     "ipip",    "sit",       "gre",
    "ip6gre", "ip6tnl", "vti",     "vti6",    "can",    "rmnet",   "lowpan",  "openvswitch",
};

// The kernel's interface names: at most 15 bytes, no '/', ':' or whitespace.
constexpr size_t kMaxInterfaceName = 15;

// Why a name glob can never match an interface name, or "".
std::string NameGlobProblem(std::string_view glob) {
  size_t shortest = 0;  // the fewest characters a name it matches can have
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') continue;
    if (c == '[') {
      const size_t close = glob.find(']', i + 2);
      if (close != std::string_view::npos) {
        ++shortest;
        i = close;
        continue;
      }
    }
    if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n')
      return c == ':' ? "contains ':', which no interface name has (selector tags are kind:, mac:, path:, driver: "
                        "and name:)"
                      : std::string("contains '") + (c == '/' ? "/" : "whitespace") + "', which no interface name has";
    ++shortest;
  }
  if (shortest > kMaxInterfaceName)
    return "is longer than an interface name can be (" + std::to_string(kMaxInterfaceName) + " characters)";
  return "";
}

// Checks a selector of [nics] include/exclude that parsed; false (with the error
// reported) when it cannot match any link.
bool CheckSelector(const KeyValue& item, const std::string& text, const NicSelector& selector) {
  using Kind = NicSelector::Kind;
  if (selector.kind == Kind::kKind) {
    const std::vector<std::string_view> kinds(std::begin(kLinkKinds), std::end(kLinkKinds));
    if (std::find(kinds.begin(), kinds.end(), selector.pattern) != kinds.end()) return true;
    const auto near = Closest(selector.pattern, kinds);
    item.Error("'" + text + "' names no link kind the kernel has" +
               (near ? "; did you mean 'kind:" + *near + "'?" : " (physical NICs have none: use \"physical\")"));
    return false;
  }
  if (selector.kind != Kind::kName) return true;
  if (const std::string problem = NameGlobProblem(selector.pattern); !problem.empty()) {
    item.Error("'" + text + "' cannot match any interface: it " + problem);
    return false;
  }
  // An untagged word one or two letters off a keyword is a typo of it ("physcial"),
  // not the name of an interface.
  const bool tagged = text.starts_with("name:");
  if (!tagged && selector.pattern.find_first_of("*?[") == std::string::npos) {
    if (const auto near = Closest(selector.pattern, {"physical"})) {
      item.Error("'" + text + "' looks like a misspelt '" + *near + "'; write \"" + *near +
                 "\" (or \"name:" + text + "\" if an interface is really called that)");
      return false;
    }
  }
  return true;
}

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
    if (selector && CheckSelector(item, text, *selector))
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
    {"include", [](const KeyValue& v, N& n) { Set(n.include, ReadSelectors(v)); n.include_pos = v.pos(); }},
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
