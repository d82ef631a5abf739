#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace stitch::config {

// Every problem found in a config, one line each: "file:line:column: key.path: message"
// ("<--set>: key.path: message" for command-line overrides). what() joins them with newlines.
class ConfigError : public std::runtime_error {
public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

private:
  std::vector<std::string> problems_;
};

}  // namespace stitch::config
