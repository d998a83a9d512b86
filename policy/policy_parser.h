// Parses and validates policy.toml (SPEC §3) into a Policy. Every problem is
// reported with PATH:LINE:COLUMN; an invalid policy yields no Policy at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace failoverd::policy {

struct Diagnostic {
  std::string path;
  int line = 0;
  int column = 0;
  std::string message;
  std::string ToString() const;  // "PATH:LINE:COLUMN: message"
};

struct ParseResult {
  std::optional<Policy> policy;  // set only when errors is empty
  std::vector<Diagnostic> errors;
};

// `path` is used in messages and stored as Policy::source_path.
ParseResult ParsePolicyText(std::string_view text, const std::string& path);
ParseResult ParsePolicyFile(const std::string& path);

}  // namespace failoverd::policy
