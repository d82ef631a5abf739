#include "config/node.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/problems.h"

using stitch::config::Mark;
using stitch::config::Node;
using stitch::config::parseYaml;
using stitch::config::Problems;

namespace {

Node parseOk(const std::string& text) {
  Problems problems("t.yaml");
  auto root = parseYaml(text, problems);
  INFO(text);
  REQUIRE(problems.render().empty());
  REQUIRE(root);
  return *root;
}

std::vector<std::string> parseProblems(const std::string& text) {
  Problems problems("t.yaml");
  (void)parseYaml(text, problems);
  return problems.render();
}

}  // namespace

TEST_CASE("parseYaml keeps 1-based positions of keys and values", "[config][node]") {
  const Node root = parseOk("log:\n  level: debug\nlist:\n  - a\n  - {k: v}\n");
  REQUIRE(root.isMapping());
  REQUIRE(root.entries.size() == 2);
  const auto& log = root.entries[0];
  CHECK(log.key == "log");
  CHECK(log.key_mark == Mark{1, 1, false});
  const auto* level = log.value.find("level");
  REQUIRE(level != nullptr);
  CHECK(level->key_mark == Mark{2, 3, false});
  CHECK(level->value.mark == Mark{2, 10, false});
  CHECK(level->value.scalar == "debug");
  const Node& list = root.entries[1].value;
  REQUIRE(list.isSequence());
  CHECK(list.items[0].mark == Mark{4, 5, false});
  CHECK(list.items[1].isMapping());
  CHECK(list.items[1].find("k")->key_mark == Mark{5, 6, false});
}

TEST_CASE("parseYaml places an empty value at its key, not at the next line", "[config][node]") {
  const Node root = parseOk("log:\nother: 1\n");
  const auto* log = root.find("log");
  REQUIRE(log != nullptr);
  CHECK(log->value.isNull());
  CHECK(log->value.mark == Mark{1, 1, false});
}

TEST_CASE("parseYaml reads an empty or comment-only file as a null root", "[config][node]") {
  CHECK(parseOk("").isNull());
  CHECK(parseOk("# nothing here\n\n").isNull());
}

TEST_CASE("parseYaml reports a syntax error with its position", "[config][node]") {
  CHECK(parseProblems("a: 1\n  b: 2\n") ==
        std::vector<std::string>{"t.yaml:2:4: invalid YAML: illegal map value"});
  CHECK(parseProblems("a: \"\\q\"\n") ==
        std::vector<std::string>{"t.yaml:1:7: invalid YAML: unknown escape character: q"});
}

TEST_CASE("parseYaml reports duplicate keys at the second one and keeps the first",
          "[config][node]") {
  Problems problems("t.yaml");
  const auto root = parseYaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", problems);
  CHECK(problems.render() ==
        std::vector<std::string>{"t.yaml:4:3: b.c: duplicate key (first defined on line 3)",
                                 "t.yaml:5:1: a: duplicate key (first defined on line 1)"});
  REQUIRE(root);
  CHECK(root->find("a")->value.scalar == "1");
  CHECK(root->find("b")->value.entries.size() == 1);
}

TEST_CASE("parseYaml rejects a second document and keys that are not strings", "[config][node]") {
  CHECK(parseProblems("a: 1\n---\nb: 2\n") ==
        std::vector<std::string>{"t.yaml:2:1: a second YAML document starts here; a config file "
                                 "holds exactly one (remove the `---` line)"});
  CHECK(parseProblems("? [a, b]\n: c\n") ==
        std::vector<std::string>{"t.yaml:1:3: keys must be plain strings, got a list"});
}

TEST_CASE("parseYaml copies aliases and stops one that contains itself", "[config][node]") {
  const Node copied = parseOk("base: &b {level: info}\nlog: *b\n");
  CHECK(copied.find("log")->value.find("level")->value.scalar == "info");
  Problems problems("t.yaml");
  const auto root = parseYaml("a: &x [1, *x]\n", problems);
  CHECK_FALSE(root);
  const auto lines = problems.render();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "t.yaml:1:11: a[1]: an alias refers to the mapping or list that contains it");
}

TEST_CASE("parseYaml rejects nesting deeper than its limit", "[config][node]") {
  const std::string deep = std::string(70, '[') + std::string(70, ']');
  CHECK(parseProblems(deep) ==
        std::vector<std::string>{"t.yaml:1:65: "
                                 "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                                 "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                                 "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                                 "[0]: nested deeper than 64 levels"});
}

TEST_CASE("parseYaml reports a stray comma instead of looping forever", "[config][node]") {
  // yaml-cpp 0.7 returns the same empty document forever at a ',' outside brackets.
  CHECK(parseProblems(",e \n") ==
        std::vector<std::string>{"t.yaml:1:1: invalid YAML: unexpected \",\""});
  CHECK(parseProblems("- a\n,\n") ==
        std::vector<std::string>{"t.yaml:2:1: invalid YAML: unexpected \",\""});
}

TEST_CASE("parseYaml stops aliases that expand to too many values", "[config][node]") {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    text += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  Problems problems("t.yaml");
  const auto root = parseYaml(text, problems);
  CHECK_FALSE(root);
  const auto lines = problems.render();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("more than 200000 values"));
}

TEST_CASE("parseKeyPath reads keys and indices and rejects malformed paths", "[config][node]") {
  std::string error;
  const auto segments = stitch::config::parseKeyPath("a.b[2].c", error);
  REQUIRE(segments);
  REQUIRE(segments->size() == 4);
  CHECK(std::get<std::string>((*segments)[0]) == "a");
  CHECK(std::get<std::size_t>((*segments)[2]) == 2);
  for (const std::string bad : {"", "a.", ".a", "a..b", "a[x]", "a[1", "a]", "a[1]b"}) {
    CAPTURE(bad);
    CHECK_FALSE(stitch::config::parseKeyPath(bad, error));
  }
}
