// Decides the hwethN name of every managed NIC: a remembered NIC gets its old
// name back, a NIC already carrying a free prefixN name keeps it (adoption after a
// lost state file), any other NIC gets the lowest free number. Pure.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "failoverd/common/net_types.h"

namespace failoverd::core {

struct NamingInput {
  MacAddress identity;
  std::string current_name;
};

class NameAllocator {
 public:
  // `remembered`: identity -> name from state.json (absent NICs keep their names reserved).
  // `foreign_names`: names of links that failoverd does not manage (never handed out).
  NameAllocator(std::string prefix, std::map<MacAddress, std::string> remembered,
                std::set<std::string> foreign_names);

  // Names for `nics` (in the order given; callers pass them sorted by ifindex so
  // the kernel's discovery order decides new numbers). Result: identity -> name.
  std::map<MacAddress, std::string> Assign(const std::vector<NamingInput>& nics) const;

  // True when `name` is prefix followed by a decimal number without leading zeros.
  bool IsServiceName(const std::string& name) const;

 private:
  std::string prefix_;
  std::map<MacAddress, std::string> remembered_;
  std::set<std::string> foreign_names_;
};

}  // namespace failoverd::core
