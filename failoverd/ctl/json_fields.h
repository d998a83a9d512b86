// Lenient field access for the JSON failoverctl receives: a missing, null or
// oddly typed field becomes a placeholder instead of an exception, because the
// daemon may add, omit or null optional fields.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace failoverd {

// The placeholder shown for an absent value.
inline constexpr const char* kNone = "-";

// `object[key]` as text: strings as they are, numbers and booleans in JSON
// form, anything else (missing, null, arrays, objects) as `fallback`.
std::string FieldText(const nlohmann::json& object, const char* key,
                      const std::string& fallback = kNone);
// True when `object[key]` is a non-empty string.
bool HasText(const nlohmann::json& object, const char* key);
// A carrier flag as "up" / "down", "?" when unknown.
std::string CarrierText(const nlohmann::json& object, const char* key);
// Compact JSON that never throws on invalid UTF-8.
std::string CompactJson(const nlohmann::json& value);

}  // namespace failoverd
