// Typed reads of single TOML values for the policy parser. Each reader either
// returns the value or records one precise problem at the value's position and
// returns nothing, so the parser can go on and report every problem in a file.
// Only the policy parser includes this header (it pulls in toml++).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "policy/enum_names.h"
#include "policy/policy.h"
#include "policy/policy_parser.h"

namespace failoverd::policy::detail {

// Collects the problems of one policy file. Owned by a single parse.
class Diagnostics {
 public:
  explicit Diagnostics(std::string path) : path_(std::move(path)) {}

  void Add(SourcePos pos, std::string message);
  size_t size() const { return errors_.size(); }
  // The problems in file order (line, then column), so they read top to bottom.
  std::vector<Diagnostic> TakeSorted();

 private:
  std::string path_;
  std::vector<Diagnostic> errors_;
};

SourcePos PosOf(const toml::node& node);
SourcePos PosOf(const toml::key& key);

// "string", "integer", ... as an administrator would call the TOML type.
const char* TypeName(const toml::node& node);

// One value being read: the key it was written under (for messages), the
// node, and where problems go.
struct KeyValue {
  std::string_view key;
  const toml::node& node;
  Diagnostics& diag;

  SourcePos pos() const { return PosOf(node); }
  void Error(std::string message) const { diag.Add(pos(), std::move(message)); }
};

// Assigns a successfully read value; leaves the default in place otherwise.
template <typename Field, typename Value>
void Set(Field& field, std::optional<Value> value) {
  if (value) field = std::move(*value);
}

std::optional<std::string> ReadString(const KeyValue& value);
std::optional<std::string> ReadNonEmptyString(const KeyValue& value);
std::optional<bool> ReadBool(const KeyValue& value);
std::optional<int> ReadInt(const KeyValue& value, int min, int max);
// An absolute filesystem path ("/var/lib/failoverd").
std::optional<std::string> ReadAbsolutePath(const KeyValue& value);
const toml::table* ReadTable(const KeyValue& value);
const toml::array* ReadArray(const KeyValue& value);

// Calls `each(element_value)` for every string in an array of strings; other
// elements are reported ("expected a string in 'address', got integer").
template <typename Each>
void ForEachString(const KeyValue& value, Each each) {
  const toml::array* array = ReadArray(value);
  if (!array) return;
  for (const toml::node& element : *array) {
    const KeyValue item{value.key, element, value.diag};
    if (const auto* text = element.as_string()) {
      each(item, text->get());
    } else {
      item.Error(std::string("expected a string in '") + std::string(value.key) + "', got " +
                 TypeName(element));
    }
  }
}

// "a, b or c" (or "a, b and c") for messages that list words.
std::string JoinWords(const std::vector<std::string_view>& words, std::string_view last = "or");

template <typename E, size_t N>
std::optional<E> ReadEnum(const KeyValue& value, const EnumName<E> (&names)[N]) {
  const auto text = ReadString(value);
  if (!text) return std::nullopt;
  std::vector<std::string_view> words;
  for (const auto& entry : names) {
    if (entry.name == *text) return entry.value;
    words.push_back(entry.name);
  }
  value.Error("'" + *text + "' is not a valid " + std::string(value.key) + "; expected " +
              JoinWords(words));
  return std::nullopt;
}

}  // namespace failoverd::policy::detail
