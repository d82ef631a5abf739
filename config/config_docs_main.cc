// stitch_config_docs: rewrites the generated halves of config/stitch.yaml and
// docs/configuration.md from the schemas (`make config-docs`), keeping the hand-written
// introductions above their marker lines. With --check it only reports which file is stale.
//
//   stitch_config_docs [--check] config/stitch.yaml docs/configuration.md
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/generate.h"

namespace {

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream content;
  content << in.rdbuf();
  out = content.str();
  return true;
}

// 0: up to date (or rewritten), 1: stale under --check, 2: error.
int update(const std::string& path,
           std::string_view marker,
           const std::string& generated,
           bool check) {
  std::string existing;
  if (!readFile(path, existing)) {
    std::fprintf(stderr, "%s: cannot read the file\n", path.c_str());
    return 2;
  }
  std::string wanted;
  try {
    wanted = stitch::config::spliceGenerated(existing, marker, generated);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), e.what());
    return 2;
  }
  if (wanted == existing) {
    std::printf("%s: up to date\n", path.c_str());
    return 0;
  }
  if (check) {
    std::printf("%s: out of date; run `make config-docs`\n", path.c_str());
    return 1;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << wanted;
  if (!out) {
    std::fprintf(stderr, "%s: cannot write the file\n", path.c_str());
    return 2;
  }
  std::printf("%s: regenerated\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  bool check = false;
  if (argc > 1 && std::string_view(argv[1]) == "--check") {
    check = true;
    first = 2;
  }
  if (argc - first != 2) {
    std::fprintf(stderr, "usage: %s [--check] stitch.yaml configuration.md\n", argv[0]);
    return 2;
  }
  const int yaml =
      update(argv[first], stitch::config::kYamlMarker, stitch::config::defaultConfigYaml(), check);
  const int markdown = update(argv[first + 1], stitch::config::kMarkdownMarker,
                              stitch::config::configReferenceMarkdown(), check);
  return yaml > markdown ? yaml : markdown;
}
