#include "core/assembly/assembly_config.h"

namespace stitch::assembly {

ConfigProblems AssemblyConfig::validate() const {
  ConfigProblems problems;
  if (max_bytes < kMiB) {
    problems.push_back({"max_bytes", "must be at least 1 MiB"});
  }
  if (max_spans_per_trace == 0) {
    problems.push_back({"max_spans_per_trace", "must be positive"});
  }
  if (max_bytes_per_trace == 0) {
    problems.push_back({"max_bytes_per_trace", "must be positive"});
  } else if (max_bytes_per_trace > max_bytes) {
    problems.push_back({"max_bytes_per_trace", "must not exceed max_bytes"});
  } else if (max_bytes_per_trace >= (std::uint64_t{1} << 32)) {
    problems.push_back({"max_bytes_per_trace", "must be below 4 GiB"});
  }
  return problems;
}

}  // namespace stitch::assembly
