#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stitch::config {

// Concatenates strings, string_views, C strings and single chars. Messages are built with this
// rather than `"literal" + std::string(...)`, which trips g++ 12's -Wrestrict false positive
// (GCC bug 105651) under -O3 -Werror.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out += ... += parts);
  return out;
}

// Optimal string alignment distance, ignoring ASCII case: insertions, deletions, substitutions
// and transpositions of neighbours each cost 1 ("operatoin" -> "operation" is 1).
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `input`, when close enough to be what the user meant: at most a
// third of the candidate's length away (at least 1, at most 3), and not merely as far as
// rewriting the whole word. Ties go to the first candidate.
std::optional<std::string> closestMatch(std::string_view input,
                                        const std::vector<std::string>& candidates);

// "a, b, c"
std::string joinNames(const std::vector<std::string>& names);

}  // namespace stitch::config
