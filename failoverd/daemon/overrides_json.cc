#include "failoverd/daemon/overrides_json.h"

namespace failoverd {

nlohmann::json OverridesToJson(const core::Overrides& overrides) {
  nlohmann::json manual = nlohmann::json::object();
  for (const auto& [identity, bridge] : overrides.manual) manual[identity.ToString()] = bridge;
  nlohmann::json isolated = nlohmann::json::array();
  for (const auto& bridge : overrides.isolated) isolated.push_back(bridge);
  return {{"manual", manual}, {"isolated", isolated}};
}

core::Overrides OverridesFromJson(const nlohmann::json& json) {
  core::Overrides overrides;
  if (!json.is_object()) return overrides;
  if (auto manual = json.find("manual"); manual != json.end() && manual->is_object()) {
    for (const auto& [key, bridge] : manual->items()) {
      const auto identity = MacAddress::Parse(key);
      if (identity && bridge.is_string()) overrides.manual[*identity] = bridge.get<std::string>();
    }
  }
  if (auto isolated = json.find("isolated"); isolated != json.end() && isolated->is_array()) {
    for (const auto& bridge : *isolated)
      if (bridge.is_string()) overrides.isolated.insert(bridge.get<std::string>());
  }
  return overrides;
}

std::set<std::string> StringsOf(const nlohmann::json& list) {
  std::set<std::string> out;
  if (list.is_array())
    for (const auto& item : list)
      if (item.is_string()) out.insert(item.get<std::string>());
  return out;
}

}  // namespace failoverd
