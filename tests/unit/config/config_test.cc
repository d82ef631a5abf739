// The real StitchConfig: the committed default file and reference are what the schemas
// generate, the default file loads to the default config, and loading files reports problems.
#include "config/config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/generate.h"
#include "config/schema.h"
#include "config/sections/sections.h"

using stitch::config::ConfigError;
using stitch::config::loadConfigFile;
using stitch::config::loadConfigString;
using stitch::config::StitchConfig;

namespace {

const std::string kSourceDir = STITCH_SOURCE_DIR;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> problemsOf(const std::string& yaml,
                                    const std::vector<std::string>& overrides = {}) {
  try {
    (void)loadConfigString(yaml, "stitch.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

}  // namespace

TEST_CASE("config/stitch.yaml is what the schemas generate", "[config][docs]") {
  const std::string path = kSourceDir + "/config/stitch.yaml";
  const std::string committed = readFile(path);
  const std::string wanted = stitch::config::spliceGenerated(committed, stitch::config::kYamlMarker,
                                                             stitch::config::defaultConfigYaml());
  INFO(path << " is out of date with config/sections/*.cc: run `make config-docs` and commit it");
  CHECK(committed == wanted);
}

TEST_CASE("docs/configuration.md is what the schemas generate", "[config][docs]") {
  const std::string path = kSourceDir + "/docs/configuration.md";
  const std::string committed = readFile(path);
  const std::string wanted = stitch::config::spliceGenerated(
      committed, stitch::config::kMarkdownMarker, stitch::config::configReferenceMarkdown());
  INFO(path << " is out of date with config/sections/*.cc: run `make config-docs` and commit it");
  CHECK(committed == wanted);
}

TEST_CASE("config/stitch.yaml loads to the default config", "[config]") {
  CHECK(loadConfigFile(kSourceDir + "/config/stitch.yaml") == StitchConfig{});
}

TEST_CASE("An empty config file is the default config", "[config]") {
  CHECK(loadConfigString("", "empty.yaml") == StitchConfig{});
  CHECK(loadConfigString("# only a comment\n", "empty.yaml") == StitchConfig{});
}

TEST_CASE("The default config passes every section's own validation", "[config]") {
  const StitchConfig defaults;
  CHECK(defaults.runtime.validate().empty());
  CHECK(defaults.runtime.log.validate().empty());
}

TEST_CASE("The log section and shutdown_timeout map onto RuntimeConfig", "[config]") {
  const StitchConfig c = loadConfigString(
      "log:\n  level: debug\n  format: json\n  warning_interval: 1m\nshutdown_timeout: 5s\n",
      "stitch.yaml");
  CHECK(c.runtime.log.level == stitch::runtime::LogLevel::kDebug);
  CHECK(c.runtime.log.format == stitch::runtime::LogFormat::kJson);
  CHECK(c.runtime.log.warning_interval == std::chrono::minutes(1));
  CHECK(c.runtime.shutdown_timeout == std::chrono::seconds(5));
}

TEST_CASE("StitchConfig problems carry file, line, column and key path", "[config]") {
  CHECK(problemsOf("log:\n  level: verbose\n  fromat: json\nshutdown_timeout: 0s\n") ==
        std::vector<std::string>{
            "stitch.yaml:2:10: log.level: unknown value \"verbose\"; expected one of trace, debug, "
            "info, warn, error, critical, off",
            "stitch.yaml:3:3: log.fromat: unknown key \"fromat\"; did you mean \"format\"?",
            "stitch.yaml:4:19: shutdown_timeout: must be at least 1ms, got 0s"});
  CHECK(problemsOf("shutdown_timeout: 30s\n", {"log.level=loud"}) ==
        std::vector<std::string>{"<--set>: log.level: unknown value \"loud\"; expected one of "
                                 "trace, debug, info, warn, error, critical, off"});
}

TEST_CASE("loadConfigFile reports a file it cannot read", "[config]") {
  const auto missing = std::filesystem::temp_directory_path() / "stitch-no-such-config.yaml";
  std::filesystem::remove(missing);
  CHECK_THROWS_WITH(loadConfigFile(missing.string()),
                    missing.string() + ": cannot read the file: No such file or directory");
  const auto dir = std::filesystem::temp_directory_path();
  CHECK_THROWS_WITH(loadConfigFile(dir.string()),
                    dir.string() + ": cannot read the file: it is a directory");
}

TEST_CASE("configToYaml writes the effective config, which loads back equal", "[config]") {
  const StitchConfig c = loadConfigString("log: {level: error, format: json}\n", "stitch.yaml",
                                          {"shutdown_timeout=1500ms"});
  const std::string yaml = stitch::config::configToYaml(c);
  // The runtime keys come first; later sections follow (each section's own tests cover them).
  CHECK_THAT(yaml, Catch::StartsWith("log:\n  level: error\n  format: json\n  warning_interval: "
                                     "10s\nshutdown_timeout: 1500ms\n"));
  CHECK_THAT(yaml, Catch::Contains("\nexporters:\n  - type: file\n    path: "
                                   "\"stitch-data/records.ndjson\"\n"));
  CHECK(loadConfigString(yaml, "dump.yaml") == c);
}

TEST_CASE("Every mapping of stitch.yaml has distinct keys, union types included", "[config]") {
  using stitch::config::FieldDoc;
  using stitch::config::StructInfo;
  std::set<const StructInfo*> visited;
  std::vector<std::string> clashes;
  std::function<void(const StructInfo&, const std::string&, std::set<std::string>)> walk =
      [&](const StructInfo& info, const std::string& path, std::set<std::string> keys) {
        if (!visited.insert(&info).second) {
          return;
        }
        std::vector<std::pair<const StructInfo*, std::string>> nested;
        info.document(nullptr, [&](const FieldDoc& f) {
          if (!keys.insert(f.key).second) {
            clashes.push_back(path + f.key);
          }
          CHECK_FALSE(f.description.empty());
          for (const auto& alt : f.alternatives) {
            nested.emplace_back(alt.info(), "<same mapping as " + path + ">");
          }
          if (f.type.structure != nullptr) {
            nested.emplace_back(f.type.structure(), path + f.key + f.type.suffix + ".");
          }
        });
        for (const auto& [child, child_path] : nested) {
          const bool same_mapping = child_path.rfind("<same", 0) == 0;
          walk(*child, same_mapping ? path : child_path,
               same_mapping ? keys : std::set<std::string>{});
        }
      };
  walk(stitch::config::schemaOf<StitchConfig>(), "", {});
  CHECK(clashes.empty());
}

TEST_CASE("The store and query sections map onto StoreConfig and QueryConfig", "[config]") {
  const StitchConfig c = loadConfigString(
      "store:\n  path: /var/lib/stitch/t.db\n  max_age: 24h\n  max_size_bytes: 10GiB\n"
      "  compression_level: -3\n  cache_bytes: 0\nquery:\n  max_limit: 50\n  default_limit: 10\n",
      "stitch.yaml");
  CHECK(c.store.path == "/var/lib/stitch/t.db");
  CHECK(c.store.max_age == std::chrono::hours(24));
  CHECK(c.store.max_size_bytes == 10ULL << 30);
  CHECK(c.store.compression_level == -3);
  CHECK(c.store.cache_bytes == 0);
  CHECK(c.query.max_limit == 50);
  CHECK(c.query.default_limit == 10);
  CHECK_THROWS_WITH(loadConfigString("query:\n  max_limit: 5\n", "stitch.yaml"),
                    Catch::Contains("query.default_limit: must not exceed max_limit"));
  CHECK_THROWS_WITH(loadConfigString("store:\n  compression_level: 0\n", "stitch.yaml"),
                    Catch::Contains("store.compression_level"));
}
