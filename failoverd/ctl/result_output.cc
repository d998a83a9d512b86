#include "failoverd/ctl/result_output.h"

#include "failoverd/ctl/event_lines.h"
#include "failoverd/ctl/json_fields.h"
#include "failoverd/ctl/status_table.h"

namespace failoverd {
namespace {

std::string WithNewline(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace

std::string RenderResult(const std::string& command, const nlohmann::json& result, bool as_json) {
  if (as_json) return result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (command == "status" && result.is_object()) return RenderStatusTable(result);
  if (command == "events") return RenderEvents(result);
  if (result.is_null()) return "";
  if (result.is_string()) return WithNewline(result.get<std::string>());  // metrics, among others
  if (HasText(result, "message")) return WithNewline(FieldText(result, "message"));
  return CompactJson(result) + "\n";
}

std::string RenderStreamedEvent(const nlohmann::json& event, bool as_json) {
  if (as_json) return CompactJson(event) + "\n";
  return RenderEventLine(event) + "\n";
}

}  // namespace failoverd
