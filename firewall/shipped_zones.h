// The zone files shipped in firewall/zones/, compiled into the binary.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace failoverd::firewall {

// The text of shipped zone `name` ("lan", "trusted", ...), or nullopt.
std::optional<std::string_view> ShippedZoneText(std::string_view name);
// The names of every shipped zone.
std::vector<std::string_view> ShippedZoneNames();

}  // namespace failoverd::firewall
