#include "config/overrides.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/node.h"
#include "config/problems.h"

using stitch::config::applyOverride;
using stitch::config::Mark;
using stitch::config::Node;
using stitch::config::parseYaml;
using stitch::config::Problems;

namespace {

Node parse(const std::string& text) {
  Problems problems("t.yaml");
  auto root = parseYaml(text, problems);
  REQUIRE(root);
  return *root;
}

}  // namespace

TEST_CASE("applyOverride replaces a value and marks it as coming from --set",
          "[config][overrides]") {
  Node root = parse("log:\n  level: info\n");
  Problems problems("t.yaml");
  applyOverride(root, "log.level=debug", problems);
  CHECK(problems.empty());
  const auto* level = root.find("log")->value.find("level");
  CHECK(level->value.scalar == "debug");
  CHECK(level->value.mark == Mark::commandLine());
  CHECK(level->key_mark == Mark{2, 3, false});  // the key is still where the file wrote it
}

TEST_CASE("applyOverride creates missing mappings and appends to lists", "[config][overrides]") {
  Node root = parse("exporters:\n  - type: file\n");
  Problems problems("t.yaml");
  applyOverride(root, "sampling.tail.decision_wait=10s", problems);
  applyOverride(root, "exporters[0].path=/tmp/x", problems);
  applyOverride(root, "exporters[1].type=otlp_http", problems);
  applyOverride(root, "exporters[1].headers={authorization: \"Bearer x\"}", problems);
  applyOverride(root, "tags=[a, b]", problems);
  CHECK(problems.render().empty());
  CHECK(root.find("sampling")->value.find("tail")->value.find("decision_wait")->value.scalar ==
        "10s");
  const Node& exporters = root.find("exporters")->value;
  REQUIRE(exporters.items.size() == 2);
  CHECK(exporters.items[0].find("path")->value.scalar == "/tmp/x");
  CHECK(exporters.items[1].find("type")->value.scalar == "otlp_http");
  CHECK(exporters.items[1].find("headers")->value.find("authorization")->value.scalar ==
        "Bearer x");
  CHECK(root.find("tags")->value.items.size() == 2);
}

TEST_CASE("applyOverride works on an empty file", "[config][overrides]") {
  Node root;
  Problems problems("t.yaml");
  applyOverride(root, "log.level=warn", problems);
  CHECK(problems.empty());
  CHECK(root.find("log")->value.find("level")->value.scalar == "warn");
}

TEST_CASE("applyOverride reports malformed overrides and leaves the tree as it was",
          "[config][overrides]") {
  const auto [assignment, message] = GENERATE(table<std::string, std::string>({
      {"log.level", "<--set>: expected key.path=value, got \"log.level\""},
      {"=x", "<--set>: the key path is empty"},
      {"log..level=x", "<--set>: log..level: empty key in the path"},
      {"log.level.x=1",
       "<--set>: log.level.x: cannot set a key inside \"log.level\": it holds "
       "\"info\", not a mapping"},
      {"log[0]=1", "<--set>: log[0]: cannot index \"log\": it holds a mapping, not a list"},
      {"exporters[5].type=file",
       "<--set>: exporters[5].type: index 5 is past the end of "
       "\"exporters\" (it has 1 items; use [1] to append)"},
      {"log.level=[a", "<--set>: log.level: invalid YAML: end of sequence flow not found"},
  }));
  CAPTURE(assignment);
  Node root = parse("log:\n  level: info\nexporters:\n  - type: file\n");
  const Node before = root;
  Problems problems("t.yaml");
  applyOverride(root, assignment, problems);
  CHECK(problems.render() == std::vector<std::string>{message});
  CHECK(root.find("log")->value.find("level")->value.scalar == "info");
  CHECK(root.find("exporters")->value.items.size() == before.find("exporters")->value.items.size());
}
