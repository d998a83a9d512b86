#include "failoverd/ctl/text_table.h"

#include <algorithm>
#include <utility>

namespace failoverd {
namespace {

constexpr const char* kGap = "  ";

}  // namespace

void TextTable::AddRow(std::vector<std::string> cells) {
  if (widths_.size() < cells.size()) widths_.resize(cells.size(), 0);
  for (size_t i = 0; i < cells.size(); ++i) widths_[i] = std::max(widths_[i], cells[i].size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(const std::string& indent) const {
  std::string out;
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += kGap;
      line += row[i];
      if (i + 1 < row.size()) line.append(widths_[i] - row[i].size(), ' ');
    }
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace failoverd
