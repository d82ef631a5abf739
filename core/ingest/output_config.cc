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
  return problems;
}

}  // namespace stitch::ingest
