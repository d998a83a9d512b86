// "Did you mean ...?" for the policy's messages: the closest of a few known words
// to something that was mistyped. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace failoverd::policy {

// Levenshtein distance between two short strings (insertions, deletions, substitutions).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is at most `max_distance` edits away and
// not `word` itself; on a tie, the first in `candidates`.
std::optional<std::string> Closest(std::string_view word, const std::vector<std::string_view>& candidates,
                                   size_t max_distance = 2);

}  // namespace failoverd::policy
