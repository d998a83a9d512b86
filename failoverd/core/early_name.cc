#include "failoverd/core/early_name.h"

#include <set>

#include "failoverd/core/name_allocator.h"
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

std::optional<std::string> EarlyNameOrNew(const policy::Policy& policy,
                                          const std::map<MacAddress, std::string>& remembered,
                                          const std::vector<LinkInfo>& links, const LinkInfo& link) {
  if (!IsManagedNic(policy.nics, link)) return std::nullopt;
  std::set<std::string> in_use;
  for (const auto& other : links)
    if (other.ifindex != link.ifindex) in_use.insert(other.name);
  for (const auto& bridge : policy.bridges) in_use.insert(bridge.name);
  const NameAllocator allocator(policy.nics.prefix, remembered, std::move(in_use));
  return allocator.Assign({{link.identity(), link.name}}).at(link.identity());
}

}  // namespace failoverd::core
