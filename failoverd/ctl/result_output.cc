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

// The lines under a message: what a reload or apply changed, what `plan` would do
// (each with its reason), and what is blocked.
std::string DetailLines(const nlohmann::json& result) {
  std::string out;
  auto list = [&](const char* key, const char* field) {
    const auto it = result.find(key);
    if (it == result.end() || !it->is_array()) return;
    for (const auto& item : *it) {
      if (item.is_string()) out += "  " + item.get<std::string>() + "\n";
      else if (field && HasText(item, field)) out += "  " + FieldText(item, field) + "\n";
    }
  };
  list("changes", nullptr);
  list("actions", "description");
  if (const auto blocked = result.find("blocked"); blocked != result.end() && blocked->is_object())
    for (const auto& [bridge, why] : blocked->items())
      out += "  " + bridge + ": blocked: " + (why.is_string() ? why.get<std::string>() : why.dump()) + "\n";
  if (const auto restart = result.find("needs_restart"); restart != result.end() && restart->is_array())
    for (const auto& key : *restart)
      if (key.is_string()) out += "  " + key.get<std::string>() + ": takes effect when failoverd restarts\n";
  return out;
}

}  // namespace

std::string RenderResult(const std::string& command, const nlohmann::json& result, bool as_json) {
  if (as_json) return result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (command == "status" && result.is_object()) return RenderStatusTable(result);
  if (command == "events") return RenderEvents(result);
  if (result.is_null()) return "";
  if (result.is_string()) return WithNewline(result.get<std::string>());  // metrics, among others
  if (HasText(result, "message")) return WithNewline(FieldText(result, "message")) + DetailLines(result);
  return CompactJson(result) + "\n";
}

std::string RenderStreamedEvent(const nlohmann::json& event, bool as_json) {
  if (as_json) return CompactJson(event) + "\n";
  return RenderEventLine(event) + "\n";
}

}  // namespace failoverd
