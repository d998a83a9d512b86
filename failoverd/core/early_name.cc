#include "failoverd/core/early_name.h"

#include "failoverd/core/nic_match.h"

namespace failoverd::core {

std::optional<std::string> EarlyName(const policy::NicSettings& nics,
                                     const std::map<MacAddress, std::string>& remembered,
                                     const LinkInfo& link) {
  if (!IsManagedNic(nics, link)) return std::nullopt;
  auto it = remembered.find(link.identity());
  if (it == remembered.end()) return std::nullopt;
  return it->second;
}

}  // namespace failoverd::core
