#include "failoverd/core/nic_match.h"

namespace failoverd::core {

bool MatchesSelector(const policy::NicSelector& selector, const LinkInfo& link) {
  using Kind = policy::NicSelector::Kind;
  switch (selector.kind) {
    case Kind::kMac: {
      const auto mac = MacAddress::Parse(selector.pattern);
      return mac && *mac == link.identity();
    }
    case Kind::kPath:
      return !link.path.empty() && GlobMatch(selector.pattern, link.path);
    case Kind::kDriver:
      return !link.driver.empty() && GlobMatch(selector.pattern, link.driver);
    case Kind::kName:
      return GlobMatch(selector.pattern, link.name);
    case Kind::kPhysical:
      return link.physical;
    case Kind::kKind:
      return link.kind == selector.pattern;
  }
  return false;
}

bool IsManagedNic(const policy::NicSettings& nics, const LinkInfo& link) {
  if (link.is_bridge() || link.name == "lo") return false;
  bool included = false;
  for (const auto& selector : nics.include) included = included || MatchesSelector(selector, link);
  if (!included) return false;
  for (const auto& selector : nics.exclude)
    if (MatchesSelector(selector, link)) return false;
  return true;
}

int PreferenceIndex(const std::vector<policy::NicSelector>& ports, const LinkInfo& link) {
  for (size_t i = 0; i < ports.size(); ++i)
    if (MatchesSelector(ports[i], link)) return static_cast<int>(i);
  return -1;
}

}  // namespace failoverd::core
