#include "config/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/overrides.h"
#include "config/text.h"

namespace stitch::config {

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string joined;
        for (const auto& line : problems) {
          if (!joined.empty()) {
            joined += '\n';
          }
          joined += line;
        }
        return joined;
      }()),
      problems_(std::move(problems)) {}

Node prepareDocument(std::string_view text, const LoadOptions& options, Problems& problems) {
  Node root = parseYaml(text, problems).value_or(Node{});
  for (const auto& assignment : options.overrides) {
    applyOverride(root, assignment, problems);
  }
  substituteEnvironment(root, options.environment, problems);
  return root;
}

Mark rootAnchor(const Node& root) {
  if (root.mark.hasPosition() || root.mark.from_command_line) {
    return root.mark;
  }
  return Mark{};
}

std::string readConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError({path + ": cannot read the file: it is a directory"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw ConfigError({cat(path, ": cannot read the file: ", std::strerror(error))});
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    throw ConfigError({path + ": cannot read the file: read error"});
  }
  return content.str();
}

}  // namespace stitch::config
