#include "failoverd/ctl/json_fields.h"

namespace failoverd {

std::string FieldText(const nlohmann::json& object, const char* key, const std::string& fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return CompactJson(*it);
  return fallback;
}

bool HasText(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get<std::string>().empty();
}

std::string CarrierText(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "?";
  const auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return "?";
  return it->get<bool>() ? "up" : "down";
}

std::string CompactJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace failoverd
