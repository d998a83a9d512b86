// [[bridge]] and [bridge.identify]: one network the server is on, and how to
// recognise that network on a cable.
#include <algorithm>
#include <cctype>

#include "policy/sections.h"

namespace failoverd::policy::detail {

namespace {

// Linux bridge forward delay limits (br_stp_set_forward_delay): with STP on
// the kernel wants 2..30 s; with STP off 0 is allowed (forward at once).
constexpr int kMaxForwardDelayS = 30;
constexpr int kMinStpForwardDelayS = 2;
// What the kernel uses when a bridge is created without a value; taken when
// stp = true and forward_delay_s is not given (the default 0 would be refused).
constexpr int kDefaultStpForwardDelayS = 15;

std::optional<MacRule> ReadMacRule(const KeyValue& v) {
  const auto text = ReadString(v);
  if (!text) return std::nullopt;
  if (*text == "stable") return MacRule{MacRule::Kind::kStable, {}};
  if (*text == "inherit") return MacRule{MacRule::Kind::kInherit, {}};
  const auto mac = MacAddress::Parse(*text);
  if (!mac) {
    v.Error("'" + *text + "' is not a MAC address, 'stable' or 'inherit'");
    return std::nullopt;
  }
  // The kernel refuses both for a bridge (is_valid_ether_addr).
  if (mac->IsMulticast()) {
    v.Error("'" + *text + "' is a multicast MAC address; a bridge needs a unicast one");
    return std::nullopt;
  }
  if (mac->IsZero()) {
    v.Error("'" + *text + "' is the all-zero MAC address; a bridge needs a real one");
    return std::nullopt;
  }
  return MacRule{MacRule::Kind::kExplicit, *mac};
}

// Why `prefix` cannot be a host's address on its network, or "": the network's own
// address (all host bits zero) and, in IPv4, its broadcast address (all ones). Such an
// address is accepted by the kernel and then answers nothing useful. Point-to-point
// lengths (/31, /32, /127, /128) have no such addresses.
std::string HostAddressProblem(const IpPrefix& prefix) {
  const int bits = static_cast<int>(prefix.address.size()) * 8;
  if (prefix.length >= bits - 1) return "";
  bool all_zero = true;
  bool all_ones = true;
  for (int bit = prefix.length; bit < bits; ++bit) {
    const bool set = (prefix.address.bytes[static_cast<size_t>(bit / 8)] >> (7 - bit % 8)) & 1;
    all_zero = all_zero && !set;
    all_ones = all_ones && set;
  }
  IpPrefix network = prefix;
  for (int bit = prefix.length; bit < bits; ++bit)
    network.address.bytes[static_cast<size_t>(bit / 8)] &= static_cast<uint8_t>(~(1u << (7 - bit % 8)));
  const std::string suggestion = "; a host address on it is e.g. " + [&] {
    IpPrefix host = network;
    host.address.bytes[prefix.address.size() - 1] |= 1;
    return host.ToString();
  }();
  if (all_zero)
    return prefix.address.family == IpFamily::kV4
               ? "is the network's own address, not a host's" + suggestion
               : "is the subnet-router anycast address of its prefix, not a host's" + suggestion;
  if (all_ones && prefix.address.family == IpFamily::kV4) return "is the network's broadcast address" + suggestion;
  return "";
}

std::optional<std::vector<IpPrefix>> ReadAddresses(const KeyValue& v) {
  std::vector<IpPrefix> addresses;
  ForEachString(v, [&](const KeyValue& item, const std::string& text) {
    const auto prefix = IpPrefix::Parse(text);
    if (!prefix) {
      item.Error("'" + text + "' is not an address with a prefix length (like 192.0.2.9/24)");
    } else if (const std::string problem = HostAddressProblem(*prefix); !problem.empty()) {
      item.Error("'" + text + "' " + problem);
    } else {
      addresses.push_back(*prefix);
    }
  });
  return addresses;
}

bool IsIpv6LinkLocal(const IpAddress& address) {
  return address.family == IpFamily::kV6 && address.bytes[0] == 0xfe && (address.bytes[1] & 0xc0) == 0x80;
}

std::optional<IpAddress> ReadAddress(const KeyValue& v, std::optional<IpFamily> family) {
  const auto text = ReadString(v);
  if (!text) return std::nullopt;
  const auto address = IpAddress::Parse(*text);
  if (!address || (family && address->family != *family)) {
    v.Error("'" + *text + "' is not " + (family ? "an IPv4 address" : "an IP address"));
    return std::nullopt;
  }
  return address;
}
std::optional<IpAddress> ReadIpAddress(const KeyValue& v) {
  return ReadAddress(v, std::nullopt);
}
std::optional<IpAddress> ReadIpv4Address(const KeyValue& v) {
  return ReadAddress(v, IpFamily::kV4);
}

std::optional<IpPrefix> ReadIpv6Prefix(const KeyValue& v) {
  const auto text = ReadString(v);
  if (!text) return std::nullopt;
  const auto prefix = IpPrefix::Parse(*text);
  if (!prefix || prefix->address.family != IpFamily::kV6) {
    v.Error("'" + *text + "' is not an IPv6 prefix (like 2001:db8:1::/64)");
    return std::nullopt;
  }
  return prefix;
}

using I = Identify;

// The schema of this section: one row per key, one line per row (even when
// long) so it reads as a table.
constexpr KeySpec<I> kIdentifyKeys[] = {
    {"lldp_chassis", [](const KeyValue& v, I& i) { Set(i.lldp_chassis, ReadNonEmptyString(v)); }},
    {"lldp_port", [](const KeyValue& v, I& i) { Set(i.lldp_port, ReadNonEmptyString(v)); }},
    {"lldp_system", [](const KeyValue& v, I& i) { Set(i.lldp_system, ReadNonEmptyString(v)); }},
    {"arp_target", [](const KeyValue& v, I& i) { Set(i.arp_target, ReadIpv4Address(v)); }},
    {"ra_prefix", [](const KeyValue& v, I& i) { Set(i.ra_prefix, ReadIpv6Prefix(v)); }},
    {"require", [](const KeyValue& v, I& i) { Set(i.require, ReadEnum(v, kRequireNames)); }},
};

void ReadIdentify(const KeyValue& v, Identify& identify) {
  const toml::table* table = ReadTable(v);
  if (!table) return;
  const SeenKeys seen =
      ApplyKeyTable(*table, kIdentifyKeys, "in [bridge.identify]", v.diag, identify);
  // Judged on the keys written, not on the values read, so that one bad value
  // does not also produce a confusing "no identify key" error.
  const bool any_key = seen.Has("lldp_chassis") || seen.Has("lldp_port") ||
                       seen.Has("lldp_system") || seen.Has("arp_target") || seen.Has("ra_prefix");
  if (!seen.Has("require")) {
    identify.require = any_key ? Require::kConfirmed : Require::kNone;
  } else if (seen.Valid("require") && identify.require != Require::kNone && !any_key) {
    v.diag.Add(seen.Find("require")->pos,
               std::string("require '") + ToString(identify.require) +
                   "' needs at least one identify key (lldp_chassis, lldp_port, lldp_system, "
                   "arp_target or ra_prefix)");
  }
}

using B = Bridge;

// The schema of this section: one row per key, one line per row (even when
// long) so it reads as a table.
constexpr KeySpec<B> kBridgeKeys[] = {
    {"name", [](const KeyValue& v, B& b) { Set(b.name, ReadInterfaceName(v, "bridge")); }},
    {"mode", [](const KeyValue& v, B& b) { Set(b.mode, ReadEnum(v, kBridgeModeNames)); }},
    {"mac", [](const KeyValue& v, B& b) { Set(b.mac, ReadMacRule(v)); }},
    {"zone", [](const KeyValue& v, B& b) { Set(b.zone, ReadZone(v)); b.zone_pos = v.pos(); }},
    {"address", [](const KeyValue& v, B& b) { Set(b.addresses, ReadAddresses(v)); }},
    {"gateway", [](const KeyValue& v, B& b) { Set(b.gateway, ReadIpAddress(v)); }},
    {"stp", [](const KeyValue& v, B& b) { Set(b.stp, ReadBool(v)); }},
    {"forward_delay_s", [](const KeyValue& v, B& b) { Set(b.forward_delay_s, ReadInt(v, 0, kMaxForwardDelayS)); }},
    {"ports", [](const KeyValue& v, B& b) { b.ports = ReadPorts(v); }},
    {"spares", [](const KeyValue& v, B& b) { Set(b.spares, ReadBool(v)); }},
    {"failback", [](const KeyValue& v, B& b) { Set(b.failback, ReadEnum(v, kFailbackNames)); }},
    {"identify", [](const KeyValue& v, B& b) { ReadIdentify(v, b.identify); }},
};

// Rules between keys of one bridge.
void CheckBridge(ParsedBridge& parsed, Diagnostics& diag) {
  Bridge& b = parsed.bridge;
  const SeenKeys& seen = parsed.seen;
  if (!seen.Has("name")) diag.Add(b.pos, "missing 'name' in [[bridge]]");

  if (seen.Valid("mode") && b.mode == BridgeMode::kSwitch)
    diag.Add(seen.Find("mode")->pos,
             "mode 'switch' is not supported yet; use 'active-backup' or 'internal'");

  if (b.mode == BridgeMode::kInternal) {
    if (!b.ports.empty())
      diag.Add(seen.Find("ports")->pos,
               "'ports' is not allowed with mode 'internal' (an internal bridge has no NICs)");
    if (b.mac.kind == MacRule::Kind::kInherit)
      diag.Add(seen.Find("mac")->pos,
               "mac 'inherit' is not allowed with mode 'internal' (there is no NIC to inherit "
               "from)");
  }

  // The kernel refuses a gateway it cannot reach on the link (an IPv6 link-local one
  // is always on the link); with failoverd's addresses on the bridge it must lie in
  // one of their subnets, or the default route never comes up.
  if (seen.Valid("gateway") && b.gateway && !IsIpv6LinkLocal(*b.gateway) && seen.Has("address")) {
    bool reachable = false;
    std::string same_family;
    for (const IpPrefix& address : b.addresses) {
      if (address.address.family != b.gateway->family) continue;
      same_family += (same_family.empty() ? "" : ", ") + address.ToString();
      reachable = reachable || address.Contains(*b.gateway);
    }
    if (!reachable && seen.Valid("address"))
      diag.Add(seen.Find("gateway")->pos,
               "gateway " + b.gateway->ToString() + " is outside every subnet of this bridge's addresses (" +
                   (same_family.empty() ? std::string("none of its family") : same_family) +
                   "): the kernel could not reach it; fix the gateway or the prefix length");
    for (const IpPrefix& address : b.addresses)
      if (address.address == *b.gateway)
        diag.Add(seen.Find("gateway")->pos, "gateway " + b.gateway->ToString() + " is this bridge's own address");
  }

  if (seen.Valid("stp") && b.stp) {
    if (!seen.Has("forward_delay_s")) {
      b.forward_delay_s = kDefaultStpForwardDelayS;
    } else if (seen.Valid("forward_delay_s") && b.forward_delay_s < kMinStpForwardDelayS) {
      diag.Add(seen.Find("forward_delay_s")->pos,
               "'forward_delay_s' must be between " + std::to_string(kMinStpForwardDelayS) +
                   " and " + std::to_string(kMaxForwardDelayS) + " when stp = true, got " +
                   std::to_string(b.forward_delay_s));
    }
  }
}

ParsedBridge ReadBridge(const toml::table& table, Diagnostics& diag) {
  ParsedBridge parsed;
  parsed.bridge.pos = PosOf(table);
  parsed.bridge.zone_pos = parsed.bridge.pos;  // until a zone key says otherwise
  parsed.seen = ApplyKeyTable(table, kBridgeKeys, "in [[bridge]]", diag, parsed.bridge);
  CheckBridge(parsed, diag);
  return parsed;
}

}  // namespace

// The kernel refuses interface names of IFNAMSIZ (16) bytes or more.
constexpr size_t kMaxInterfaceName = 15;

// The kernel's dev_valid_name() rules, narrowed to letters, digits, '_', '-' and
// '.': the name also becomes part of nft chain names (in_<bridge>), which nft
// cannot quote. A policy that passes never fails later at bridge creation.
std::optional<std::string> ReadInterfaceName(const KeyValue& v, std::string_view what) {
  auto name = ReadString(v);
  if (!name) return std::nullopt;
  std::string problem;
  if (name->empty())
    problem = "must not be empty";
  else if (name->size() > kMaxInterfaceName)
    problem = "is longer than " + std::to_string(kMaxInterfaceName) + " characters";
  else if (*name == "." || *name == "..")
    problem = "is reserved";
  // The kernel would refuse a link of these names: "all" and "default" are the
  // per-protocol sysctl directories (net.ipv4.conf.all), and every namespace has its lo.
  else if (*name == "all" || *name == "default")
    problem = "is reserved by the kernel (net.ipv4.conf." + *name + " is not an interface)";
  else if (*name == "lo" && what == "bridge")
    problem = "is the loopback interface every host has";
  else if (name->find('/') != std::string::npos)
    problem = "contains '/'";
  else if (name->find(':') != std::string::npos)
    problem = "contains ':'";
  else if (std::any_of(name->begin(), name->end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }))
    problem = "contains whitespace";
  else if (std::any_of(name->begin(), name->end(), [](char c) {
             return !std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.';
           }))
    problem = "may only contain letters, digits, '_', '-' and '.'";
  if (problem.empty()) return name;
  v.Error(name->empty() ? std::string(what) + " name " + problem
                        : std::string(what) + " name '" + *name + "' " + problem);
  return std::nullopt;
}

// A zone names zones/NAME.nft, so it must be safe as a file name.
std::optional<std::string> ReadZone(const KeyValue& v) {
  auto zone = ReadNonEmptyString(v);
  if (!zone) return std::nullopt;
  const bool safe = std::all_of(zone->begin(), zone->end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
  if (!safe) {
    v.Error("zone '" + *zone + "' may only contain letters, digits, '_' and '-'");
    return std::nullopt;
  }
  return zone;
}

std::vector<ParsedBridge> ReadBridgeSections(const KeyValue& value) {
  std::vector<ParsedBridge> bridges;
  const toml::array* array = value.node.as_array();
  if (!array) {
    value.Error(std::string("expected an array of tables for 'bridge' (write [[bridge]]), got ") +
                TypeName(value.node));
    return bridges;
  }
  for (const toml::node& element : *array) {
    if (const toml::table* table = element.as_table()) {
      bridges.push_back(ReadBridge(*table, value.diag));
    } else {
      value.diag.Add(PosOf(element),
                     std::string("expected a table in 'bridge', got ") + TypeName(element));
    }
  }
  return bridges;
}

}  // namespace failoverd::policy::detail
