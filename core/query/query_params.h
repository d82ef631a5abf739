#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"

namespace stitch::query {

// The parameters of a URL query string, decoded, in order; a key may repeat.
class QueryParams {
public:
  // Parses "a=1&b=x%20y&c" ('+' is a space, as browsers and curl --data-urlencode send it).
  // Malformed percent-escapes are an error naming the parameter.
  static Result<QueryParams, std::string> parse(std::string_view query);

  // The first value of `key`; nullopt when absent. An empty value counts as absent, as with
  // Go's FormValue (what Jaeger clients expect).
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& items() const noexcept { return items_; }

private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space);
// Percent-encoding for a path segment or a query value (unreserved characters kept).
std::string percentEncode(std::string_view text);

}  // namespace stitch::query
