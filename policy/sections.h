// The readers of the policy's sections, each backed by its own key table, and
// the checks that need more than one section. Internal to the policy parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/key_table.h"
#include "policy/policy.h"

namespace failoverd::policy::detail {

// One [[bridge]] as read, with the keys it contained so that checks across
// bridges can point at the right value (e.g. the second use of a name).
struct ParsedBridge {
  Bridge bridge;
  SeenKeys seen;
};

// [daemon]
void ReadDaemonSection(const KeyValue& value, DaemonSettings& daemon);

// [nics]
void ReadNicsSection(const KeyValue& value, NicSettings& nics);

// One string of [nics] include/exclude ("physical", "kind:veth", a MAC, a
// udev path, "driver:igb", a name glob).
std::optional<NicSelector> ParseNicSelector(const KeyValue& item, const std::string& text);

// An interface name as the kernel accepts it and nft chain names can hold
// (`what` is "bridge" or "interface", for messages).
std::optional<std::string> ReadInterfaceName(const KeyValue& value, std::string_view what);
// A zone name (zones/NAME.nft).
std::optional<std::string> ReadZone(const KeyValue& value);

// [[interface]] (the whole array): zones for interfaces failoverd does not manage.
std::vector<InterfaceZone> ReadInterfaceSections(const KeyValue& value);

// [[bridge]] (the whole array), including [bridge.identify] and the ports.
std::vector<ParsedBridge> ReadBridgeSections(const KeyValue& value);

// `ports = [ { mac = "..." }, { path = "..." }, ... ]` in preference order.
std::vector<NicSelector> ReadPorts(const KeyValue& value);

// Rules between bridges: unique names, names clear of the NIC prefix, and no
// NIC preferred by two bridges (or twice by one).
void CheckAcrossBridges(const std::vector<ParsedBridge>& bridges, std::string_view nic_prefix,
                        Diagnostics& diag);

// Rules for [[interface]]: unique names, none a bridge's, none in the NIC prefix, not "lo".
void CheckInterfaces(const std::vector<InterfaceZone>& interfaces, const std::vector<ParsedBridge>& bridges,
                     std::string_view nic_prefix, Diagnostics& diag);

}  // namespace failoverd::policy::detail
