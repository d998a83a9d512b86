// The human-readable form of failoverd's events (`failoverctl events`): one
// line per event, `TIME  [KIND] message`, from the daemon's event JSON
// {"time": RFC 3339, "kind": "...", "message": "..."}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace failoverd {

// One event without a trailing newline.
std::string RenderEventLine(const nlohmann::json& event);
// Every event of `events` (an array, or an object holding an "events" array),
// one per line.
std::string RenderEvents(const nlohmann::json& events);

}  // namespace failoverd
