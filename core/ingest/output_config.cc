#include "core/ingest/output_config.h"

namespace stitch::ingest {

bool parseOutputType(std::string_view text, OutputType& out) noexcept {
  for (OutputType t : {OutputType::kStdout, OutputType::kFile}) {
    if (text == outputTypeName(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

std::string_view outputTypeName(OutputType type) noexcept {
  return type == OutputType::kFile ? "file" : "stdout";
}

ConfigProblems OutputConfig::validate() const {
  ConfigProblems problems;
  if (type == OutputType::kFile && path.empty()) {
    problems.push_back({"path", "required when type is file"});
  }
  if (type == OutputType::kStdout && !path.empty()) {
    problems.push_back({"path", "only used with type: file"});
  }
  if (queue_records == 0) {
    problems.push_back({"queue_records", "must be positive"});
  }
  if (queue_bytes < 64 * 1024) {
    problems.push_back({"queue_bytes", "must be at least 64KiB"});
  }
  if (write_buffer < 4096 || write_buffer > 256 * 1024 * 1024) {
    problems.push_back({"write_buffer", "must be from 4KiB to 256MiB"});
  }
  return problems;
}

}  // namespace stitch::ingest
