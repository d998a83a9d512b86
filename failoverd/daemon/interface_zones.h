// InterfaceZones: the zones of the policy's [[interface]]s (interfaces failoverd does
// not manage but the administrator asked it to judge, SPEC §3), as installed in table
// inet failoverd: read at start for the table's first transaction, and kept in step
// with the policy at each reload — a zone that changed is installed again, one whose
// interface left the policy is removed. A zone that cannot be read or installed leaves
// its interface to the administrator's own rules rather than closing it: it is not
// failoverd's to cut off. Owned by the daemon; writes through its firewall.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "firewall/firewall.h"
#include "policy/policy.h"

namespace failoverd {

class InterfaceZones {
 public:
  InterfaceZones(firewall::Firewall& firewall, std::shared_ptr<spdlog::logger> log)
      : firewall_(firewall), log_(std::move(log)) {}

  // Start, before the table is written: each interface's zone, the `pinned` fragment
  // when it is the zone the policy names (a rollback's recorded rules), else the file.
  void Load(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& pinned);
  // Reload: `zones` holds each interface's zone of the new policy (checked already).
  void Sync(const policy::Policy& policy, const std::map<std::string, firewall::ZoneFragment>& zones);

  // By interface name.
  const std::map<std::string, firewall::ZoneFragment>& installed() const { return installed_; }

 private:
  firewall::Firewall& firewall_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, firewall::ZoneFragment> installed_;
};

}  // namespace failoverd
