#include "policy/toml_reader.h"

#include <algorithm>

namespace failoverd::policy::detail {

namespace {

SourcePos FromToml(const toml::source_region& region) {
  // toml++ positions are 1-based like ours; uint32 always fits a real file.
  return SourcePos{static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string Expected(const char* article_and_type, const KeyValue& value) {
  return std::string("expected ") + article_and_type + " for '" + std::string(value.key) +
         "', got " + TypeName(value.node);
}

}  // namespace

void Diagnostics::Add(SourcePos pos, std::string message) {
  errors_.push_back(Diagnostic{path_, pos.line, pos.column, std::move(message)});
}

std::vector<Diagnostic> Diagnostics::TakeSorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(errors_);
}

SourcePos PosOf(const toml::node& node) { return FromToml(node.source()); }
SourcePos PosOf(const toml::key& key) { return FromToml(key.source()); }

const char* TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::optional<std::string> ReadString(const KeyValue& value) {
  if (const auto* text = value.node.as_string()) return text->get();
  value.Error(Expected("a string", value));
  return std::nullopt;
}

std::optional<std::string> ReadNonEmptyString(const KeyValue& value) {
  auto text = ReadString(value);
  if (text && text->empty()) {
    value.Error("'" + std::string(value.key) + "' must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<bool> ReadBool(const KeyValue& value) {
  if (const auto* flag = value.node.as_boolean()) return flag->get();
  value.Error(Expected("a boolean", value));
  return std::nullopt;
}

std::optional<int> ReadInt(const KeyValue& value, int min, int max) {
  const auto* number = value.node.as_integer();
  if (!number) {
    value.Error(Expected("an integer", value));
    return std::nullopt;
  }
  const int64_t n = number->get();
  if (n < min || n > max) {
    value.Error("'" + std::string(value.key) + "' must be between " + std::to_string(min) +
                " and " + std::to_string(max) + ", got " + std::to_string(n));
    return std::nullopt;
  }
  return static_cast<int>(n);  // in [min, max], so it fits
}

std::optional<std::string> ReadAbsolutePath(const KeyValue& value) {
  auto path = ReadNonEmptyString(value);
  if (path && path->front() != '/') {
    value.Error("'" + std::string(value.key) + "' must be an absolute path, got '" + *path + "'");
    return std::nullopt;
  }
  return path;
}

const toml::table* ReadTable(const KeyValue& value) {
  if (const auto* table = value.node.as_table()) return table;
  value.Error(Expected("a table", value));
  return nullptr;
}

const toml::array* ReadArray(const KeyValue& value) {
  if (const auto* array = value.node.as_array()) return array;
  value.Error(Expected("an array", value));
  return nullptr;
}

std::string JoinWords(const std::vector<std::string_view>& words, std::string_view last) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0 && i + 1 == words.size())
      out.append(" ").append(last).append(" ");
    else if (i > 0)
      out += ", ";
    out += words[i];
  }
  return out;
}

}  // namespace failoverd::policy::detail
