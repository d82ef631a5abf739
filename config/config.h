#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace stitch::config {

// The whole daemon configuration. Every section is a struct declared by the component that
// uses it (in core/); this file only gathers them.
struct StitchConfig {};

// Every problem found in a config file, one line each: "file:line:column: key.path: message".
class ConfigError : public std::runtime_error {
public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

private:
  std::vector<std::string> problems_;
};

// Reads and validates a YAML config file. Throws ConfigError listing every problem.
StitchConfig loadConfigFile(const std::string& path);

}  // namespace stitch::config
