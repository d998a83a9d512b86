// The declarative schema machinery (STYLE rule 7): each policy section is one
// static table of {key, reader} rows, and ApplyKeyTable walks a TOML table
// through it. A key with no row is an error, never silently ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/toml_reader.h"

namespace failoverd::policy::detail {

// One row of a section's schema: the key and how its value lands in Target.
// `read` reports its own problems through value.diag.
template <typename Target>
struct KeySpec {
  std::string_view name;
  void (*read)(const KeyValue& value, Target& target);
};

// Which keys a table really contained, where their values are, and whether
// they were read without problems: what checks spanning several keys need
// (e.g. "mode 'internal' with ports").
class SeenKeys {
 public:
  struct Entry {
    std::string_view name;  // points into the matching KeySpec row (static storage)
    SourcePos pos;          // of the value
    bool ok = false;        // read without any problem
  };

  void Add(Entry entry) { entries_.push_back(entry); }
  const Entry* Find(std::string_view name) const {
    for (const auto& entry : entries_)
      if (entry.name == name) return &entry;
    return nullptr;
  }
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  bool Valid(std::string_view name) const {
    const Entry* entry = Find(name);
    return entry && entry->ok;
  }

 private:
  std::vector<Entry> entries_;
};

// Reads every key of `table` into `target` through `keys`. `where` places the
// section in messages ("in [[bridge]]", "in a ports entry", "at top level").
template <typename Target, size_t N>
SeenKeys ApplyKeyTable(const toml::table& table, const KeySpec<Target> (&keys)[N],
                       std::string_view where, Diagnostics& diag, Target& target) {
  SeenKeys seen;
  for (const auto& [key, node] : table) {
    const KeySpec<Target>* spec = nullptr;
    for (const auto& row : keys)
      if (row.name == key.str()) spec = &row;
    if (!spec) {
      diag.Add(PosOf(key), "unknown key '" + std::string(key.str()) + "' " + std::string(where));
      continue;
    }
    const size_t problems_before = diag.size();
    spec->read(KeyValue{spec->name, node, diag}, target);
    seen.Add({spec->name, PosOf(node), diag.size() == problems_before});
  }
  return seen;
}

}  // namespace failoverd::policy::detail
