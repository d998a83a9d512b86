#include "failoverd/ctl/event_lines.h"

#include "failoverd/ctl/json_fields.h"

namespace failoverd {

std::string RenderEventLine(const nlohmann::json& event) {
  if (!event.is_object()) return CompactJson(event);
  std::string line = FieldText(event, "time") + "  [" + FieldText(event, "kind") + "]";
  const std::string message = FieldText(event, "message", "");
  if (!message.empty()) line += " " + message;
  return line;
}

std::string RenderEvents(const nlohmann::json& events) {
  const nlohmann::json* list = &events;
  if (events.is_object() && events.contains("events")) list = &events["events"];
  if (!list->is_array()) return CompactJson(events) + "\n";
  std::string out;
  for (const auto& event : *list) out += RenderEventLine(event) + "\n";
  return out;
}

}  // namespace failoverd
