#include "config/schema.h"

namespace stitch::config {

std::string unknownKeyMessage(std::string_view key, const std::vector<std::string>& candidates) {
  const std::string message = cat("unknown key \"", key, "\"");
  if (candidates.empty()) {
    return cat(message, "; this mapping takes no keys");
  }
  if (auto suggestion = closestMatch(key, candidates)) {
    return cat(message, "; did you mean \"", *suggestion, "\"?");
  }
  return cat(message, "; valid keys here: ", joinNames(candidates));
}

}  // namespace stitch::config
