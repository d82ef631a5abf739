#include "core/runtime/runtime_config.h"

namespace stitch::runtime {

ConfigProblems LogConfig::validate() const {
  ConfigProblems problems;
  if (warning_interval.count() < 0) {
    problems.push_back({"warning_interval", "must not be negative"});
  }
  return problems;
}

ConfigProblems RuntimeConfig::validate() const {
  ConfigProblems problems;
  if (shutdown_timeout.count() <= 0) {
    problems.push_back({"shutdown_timeout", "must be positive"});
  }
  return problems;
}

}  // namespace stitch::runtime
