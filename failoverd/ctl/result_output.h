// What failoverctl prints on stdout for a successful reply: with --json the
// result pretty-printed; otherwise the status table, one line per event, the
// metrics text as it is, or for any other command the result's "message" (or
// the result as compact JSON).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace failoverd {

std::string RenderResult(const std::string& command, const nlohmann::json& result, bool as_json);
// One event of an `events --follow` stream; with --json one compact JSON
// object per line (JSON Lines), which stream tools read more easily.
std::string RenderStreamedEvent(const nlohmann::json& event, bool as_json);

}  // namespace failoverd
