#include "config/substitution.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/node.h"
#include "config/problems.h"

using stitch::config::Node;
using stitch::config::parseYaml;
using stitch::config::Problems;
using stitch::config::processEnvironment;
using stitch::config::substituteEnvironment;

namespace {

// Substitutes in `value: <text>` read from the process environment; the value or the problems.
struct Outcome {
  std::string value;
  std::vector<std::string> problems;
  bool poisoned = false;
};

Outcome substitute(const std::string& yaml_value) {
  Problems problems("t.yaml");
  auto root = parseYaml("value: " + yaml_value + "\n", problems);
  REQUIRE(root);
  substituteEnvironment(*root, processEnvironment, problems);
  const Node& value = root->find("value")->value;
  return {value.scalar, problems.render(), value.poisoned};
}

// Sets variables for one test and removes them afterwards.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  const char* name_;
};

}  // namespace

TEST_CASE("substituteEnvironment replaces variables inside values", "[config][env]") {
  const ScopedEnv token("STITCH_TEST_TOKEN", "s3cret");
  const ScopedEnv empty("STITCH_TEST_EMPTY", "");
  ::unsetenv("STITCH_TEST_UNSET");
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"\"Bearer ${STITCH_TEST_TOKEN}\"", "Bearer s3cret"},
      {"${STITCH_TEST_TOKEN}${STITCH_TEST_TOKEN}", "s3crets3cret"},
      {"${STITCH_TEST_UNSET:-7410}", "7410"},
      {"${STITCH_TEST_EMPTY:-fallback}", "fallback"},
      {"${STITCH_TEST_TOKEN:-fallback}", "s3cret"},
      {"${STITCH_TEST_UNSET:-}", ""},
      {"\"[${STITCH_TEST_EMPTY}]\"", "[]"},
      {"$${STITCH_TEST_TOKEN}", "${STITCH_TEST_TOKEN}"},
      {"cost$5 and $HOME", "cost$5 and $HOME"},
      {"\"$$${STITCH_TEST_TOKEN}\"", "$${STITCH_TEST_TOKEN}"},
  }));
  CAPTURE(text);
  const Outcome outcome = substitute(text);
  CHECK(outcome.problems.empty());
  CHECK(outcome.value == expected);
}

TEST_CASE("substituteEnvironment reports an unset variable by name at the value's position",
          "[config][env]") {
  ::unsetenv("STITCH_TEST_UNSET");
  const Outcome outcome = substitute("\"Bearer ${STITCH_TEST_UNSET}\"");
  CHECK(outcome.problems ==
        std::vector<std::string>{"t.yaml:1:8: value: environment variable STITCH_TEST_UNSET is not "
                                 "set (give a default with ${STITCH_TEST_UNSET:-value})"});
  CHECK(outcome.poisoned);
}

TEST_CASE("substituteEnvironment reports malformed references", "[config][env]") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"\"${OPEN\"",
       "t.yaml:1:8: value: \"${\" without a closing \"}\" (write $${ for a literal ${)"},
      {"\"${}\"",
       "t.yaml:1:8: value: \"${}\" is not a variable reference: write ${NAME} or "
       "${NAME:-default}, NAME made of letters, digits and _ (write $${ for a literal "
       "${)"},
      {"\"${A-B}\"",
       "t.yaml:1:8: value: \"${A-B}\" is not a variable reference: write ${NAME} or "
       "${NAME:-default}, NAME made of letters, digits and _ (write $${ for a "
       "literal ${)"},
  }));
  CAPTURE(text);
  CHECK(substitute(text).problems == std::vector<std::string>{message});
}

TEST_CASE("substituteEnvironment reports every unset variable of a file with its path",
          "[config][env]") {
  ::unsetenv("STITCH_TEST_A");
  ::unsetenv("STITCH_TEST_B");
  Problems problems("t.yaml");
  auto root =
      parseYaml("a:\n  - x\n  - ${STITCH_TEST_A}\nb: {c: \"${STITCH_TEST_B}\"}\n", problems);
  REQUIRE(root);
  substituteEnvironment(*root, processEnvironment, problems);
  const auto lines = problems.render();
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("t.yaml:3:5: a[1]: environment variable STITCH_TEST_A"));
  CHECK_THAT(lines[1], Catch::StartsWith("t.yaml:4:8: b.c: environment variable STITCH_TEST_B"));
}
