// The human-readable form of `failoverctl status`: one block per bridge with
// its ports, a table of NICs, and the firewall line. Works on the status JSON
// of SPEC §6 and tolerates missing and null optional fields.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace failoverd {

// For example:
//   eth0  active-backup  up  mac 02:4f:00:00:00:01  zone lan  active hweth0
//     hweth0  active   carrier up    since 2026-11-22T03:00:00Z
//     hweth1  standby  carrier down  since 2026-11-22T02:58:10Z
//
//   NAME    PERM_MAC           DRIVER  CARRIER  BRIDGE  ROLE     NETWORK
//   hweth0  00:0c:29:89:80:c2  igb     up       eth0    active   eth0
//
//   firewall: inet failoverd (zero phase in place)
//   pending isolate of eth0: restored at 2026-11-22T03:01:00Z (42 s left) unless `failoverctl confirm` comes first
std::string RenderStatusTable(const nlohmann::json& status);

}  // namespace failoverd
