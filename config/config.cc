#include "config/config.h"

#include <yaml-cpp/yaml.h>

namespace stitch::config {
namespace {

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) {
      out += '\n';
    }
    out += l;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(joinLines(problems)), problems_(std::move(problems)) {}

StitchConfig loadConfigFile(const std::string& path) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    (void)root;
  } catch (const YAML::BadFile&) {
    throw ConfigError({path + ": cannot read the file"});
  } catch (const YAML::ParserException& e) {
    throw ConfigError({path + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg});
  }
  return StitchConfig{};
}

}  // namespace stitch::config
