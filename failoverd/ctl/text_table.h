// TextTable: left-aligned columns separated by two spaces, the way failoverctl
// prints everything tabular. Pure string work; no terminal handling.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace failoverd {

class TextTable {
 public:
  // `min_widths[i]` (optional) keeps column i at least that wide, so blocks
  // rendered separately still line up.
  explicit TextTable(std::vector<size_t> min_widths = {}) : widths_(std::move(min_widths)) {}

  void AddRow(std::vector<std::string> cells);
  // Every row on its own line, prefixed with `indent`, trailing blanks trimmed.
  std::string Render(const std::string& indent = "") const;

 private:
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace failoverd
