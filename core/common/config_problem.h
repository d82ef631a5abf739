#pragma once

#include <string>
#include <vector>

namespace stitch {

// One problem found while validating a config struct. `path` is relative to the struct that
// reported it ("queue_size", "policies[2].threshold"); config/ prefixes the section's path and
// adds the file:line:column of the offending key, so the user reads
// "stitch.yaml:31:7: exporters[0].queue_size: must be positive".
struct ConfigProblem {
  std::string path;
  std::string message;
  friend bool operator==(const ConfigProblem&, const ConfigProblem&) = default;
};

using ConfigProblems = std::vector<ConfigProblem>;

}  // namespace stitch
