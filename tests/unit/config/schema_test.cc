// The schema framework on test-only structs: every kind of field, every kind of problem with
// its exact position and key path, and a recursive tagged union shaped like the tail-sampling
// policies and exporters of stitch.yaml.
#include "config/schema.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "config/loader.h"
#include "core/common/box.h"
#include "core/common/config_problem.h"
#include "tests/unit/config/test_schemas.h"

using namespace std::chrono_literals;
using stitch::Box;
using stitch::ConfigProblems;
using stitch::config::ConfigError;
using stitch::config::EnumSchema;
using stitch::config::LoadOptions;
using stitch::config::loadYamlAs;
using stitch::config::Schema;
using stitch::config::toYaml;

using namespace schema_test;

namespace {

template <class T>
std::vector<std::string> problemsOf(const std::string& yaml, const LoadOptions& options = {}) {
  try {
    (void)loadYamlAs<T>(yaml, "t.yaml", options);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

template <class T>
T load(const std::string& yaml, const LoadOptions& options = {}) {
  try {
    return loadYamlAs<T>(yaml, "t.yaml", options);
  } catch (const ConfigError& e) {
    FAIL("unexpected problems:\n" << e.what());
  }
  return T{};
}

}  // namespace

TEST_CASE("Every kind of field maps from YAML onto its member", "[config][schema]") {
  const auto e = load<Everything>(R"(
enabled: false
name: collector
path: /var/lib/stitch
color: blue
limits:
  queue_size: 10
  offset: -100
  ratio: 1
  max_bytes: 1GiB
  flush_interval: 1.5s
  retention: 2h
tags: [a, "b c"]
ports: [80, 443]
palette: [blue, green]
headers: {authorization: "Bearer x", x-scope: "1"}
timeout: 250ms
label: null
cap: 10MB
weight: 0.25
)");
  CHECK_FALSE(e.enabled);
  CHECK(e.name == "collector");
  CHECK(e.path == "/var/lib/stitch");
  CHECK(e.color == Color::kBlue);
  CHECK(e.limits.queue_size == 10);
  CHECK(e.limits.offset == -100);
  CHECK(e.limits.ratio == 1.0);
  CHECK(e.limits.max_bytes == 1ULL << 30);
  CHECK(e.limits.flush_interval == 1500ms);
  CHECK(e.limits.retention == 2h);
  CHECK(e.tags == std::vector<std::string>{"a", "b c"});
  CHECK(e.ports == std::vector<std::uint16_t>{80, 443});
  CHECK(e.palette == std::vector<Color>{Color::kBlue, Color::kGreen});
  CHECK(e.headers ==
        std::map<std::string, std::string>{{"authorization", "Bearer x"}, {"x-scope", "1"}});
  CHECK(e.timeout == std::optional<std::chrono::milliseconds>(250ms));
  CHECK_FALSE(e.label.has_value());
  CHECK(e.cap == std::optional<std::uint64_t>(10'000'000));
  CHECK(e.weight == 0.25F);
}

TEST_CASE("Absent keys keep their defaults and an empty section reads as defaults",
          "[config][schema]") {
  const auto e = load<Everything>("path: /x\nlimits:\n");
  Everything expected;
  expected.path = "/x";
  CHECK(e == expected);
}

TEST_CASE("A value of the wrong type is reported at the value with its path", "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  flush_interval: ten\n") ==
        std::vector<std::string>{
            "t.yaml:3:19: limits.flush_interval: expected a duration like 250ms, got \"ten\""});
  CHECK(problemsOf<Everything>("path: /x\nenabled: yes\n") ==
        std::vector<std::string>{"t.yaml:2:10: enabled: expected true or false, got \"yes\""});
  CHECK(problemsOf<Everything>("path: /x\nlimits: [1]\n") ==
        std::vector<std::string>{
            "t.yaml:2:9: limits: expected a mapping (keys queue_size, offset, ratio, max_bytes, "
            "flush_interval, retention, low_watermark, high_watermark), got a list"});
  CHECK(problemsOf<Everything>("path: /x\ntags: a\n") ==
        std::vector<std::string>{"t.yaml:2:7: tags: expected a list of strings, got \"a\""});
  CHECK(problemsOf<Everything>("path: /x\nname: {a: 1}\n") ==
        std::vector<std::string>{"t.yaml:2:7: name: expected a string, got a mapping"});
  CHECK(
      problemsOf<Everything>("path: /x\nlimits:\n  queue_size: 1.5\n") ==
      std::vector<std::string>{"t.yaml:3:15: limits.queue_size: expected an integer, got \"1.5\""});
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  ratio: half\n") ==
        std::vector<std::string>{"t.yaml:3:10: limits.ratio: expected a number, got \"half\""});
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  max_bytes: lots\n") ==
        std::vector<std::string>{
            "t.yaml:3:14: limits.max_bytes: expected a size like 64KiB, got \"lots\""});
  CHECK(problemsOf<Everything>("path: /x\nheaders: [a]\n") ==
        std::vector<std::string>{
            "t.yaml:2:10: headers: expected a mapping of string to strings, got a list"});
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  retention:\n") ==
        std::vector<std::string>{
            "t.yaml:3:3: limits.retention: expected a duration like 250ms, got nothing"});
}

TEST_CASE("Bare numbers are rejected for durations with a hint", "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  flush_interval: 200\n") ==
        std::vector<std::string>{"t.yaml:3:19: limits.flush_interval: expected a duration like "
                                 "250ms, got \"200\"; a bare number has no unit: write 200s or "
                                 "200ms"});
}

TEST_CASE("Values out of range are reported with the bound", "[config][schema]") {
  const auto [yaml, message] = GENERATE(table<std::string, std::string>({
      {"limits: {queue_size: 0}",
       "t.yaml:2:22: limits.queue_size: must be from 1 to 1000000, got 0"},
      {"limits: {queue_size: 99999999999}",
       "t.yaml:2:22: limits.queue_size: must be from 1 to 1000000, got 99999999999"},
      {"limits: {offset: -101}", "t.yaml:2:18: limits.offset: must be from -100 to 100, got -101"},
      {"limits: {ratio: 1.01}", "t.yaml:2:17: limits.ratio: must be from 0 to 1, got 1.01"},
      {"limits: {max_bytes: 2GiB}",
       "t.yaml:2:21: limits.max_bytes: must be from 1B to 1GiB, got 2GiB"},
      {"limits: {flush_interval: 0s}",
       "t.yaml:2:26: limits.flush_interval: must be at least 1ms, got 0s"},
      {"limits: {retention: 1500ms}",
       "t.yaml:2:21: limits.retention: must be a whole number of seconds, got \"1500ms\""},
      {"limits: {low_watermark: -1}",
       "t.yaml:2:25: limits.low_watermark: must be at least 0, got -1"},
      {"limits: {low_watermark: 4294967296}",
       "t.yaml:2:25: limits.low_watermark: must be at most 4294967295, got 4294967296"},
      {"ports: [80, 0]", "t.yaml:2:13: ports[1]: must be at least 1, got 0"},
      {"ports: [70000]", "t.yaml:2:9: ports[0]: must be at most 65535, got 70000"},
      {"ports: []", "t.yaml:2:8: ports: must not be empty"},
      {"name: \"\"", "t.yaml:2:7: name: must not be empty"},
      {"timeout: 0ms", "t.yaml:2:10: timeout: must be at least 1ms, got 0ms"},
  }));
  CAPTURE(yaml);
  CHECK(problemsOf<Everything>("path: /x\n" + yaml + "\n") == std::vector<std::string>{message});
}

TEST_CASE("Unknown keys are rejected, with a suggestion when one is close", "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  queue_szie: 5\n") ==
        std::vector<std::string>{
            "t.yaml:3:3: limits.queue_szie: unknown key \"queue_szie\"; did you mean "
            "\"queue_size\"?"});
  CHECK(problemsOf<Everything>("path: /x\ncolour_scheme: 1\n") ==
        std::vector<std::string>{
            "t.yaml:2:1: colour_scheme: unknown key \"colour_scheme\"; valid keys here: enabled, "
            "name, path, color, limits, tags, ports, palette, headers, timeout, label, cap, "
            "weight"});
}

TEST_CASE("Unknown enum values list the allowed names and suggest a close one",
          "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\ncolor: bleu\n") ==
        std::vector<std::string>{"t.yaml:2:8: color: unknown value \"bleu\"; did you mean "
                                 "\"blue\"? (one of red, green, blue)"});
  CHECK(problemsOf<Everything>("path: /x\npalette: [red, purple]\n") ==
        std::vector<std::string>{"t.yaml:2:16: palette[1]: unknown value \"purple\"; expected one "
                                 "of red, green, blue"});
}

TEST_CASE("A missing required key is reported at its parent", "[config][schema]") {
  CHECK(problemsOf<Everything>("name: x\n") ==
        std::vector<std::string>{"t.yaml:1:1: path: required key is missing"});
  CHECK(problemsOf<Everything>("") ==
        std::vector<std::string>{"t.yaml: path: required key is missing"});
}

TEST_CASE("Every problem of a file is reported, in file order", "[config][schema]") {
  const auto problems = problemsOf<Everything>(R"(enabled: maybe
color: purple
limits:
  queue_size: 0
  flush_interval: 10
  extra: 1
)");
  CHECK(problems == std::vector<std::string>{
                        "t.yaml:1:1: path: required key is missing",
                        "t.yaml:1:10: enabled: expected true or false, got \"maybe\"",
                        "t.yaml:2:8: color: unknown value \"purple\"; expected one of red, green, "
                        "blue",
                        "t.yaml:4:15: limits.queue_size: must be from 1 to 1000000, got 0",
                        "t.yaml:5:19: limits.flush_interval: expected a duration like 250ms, got "
                        "\"10\"; a bare number has no unit: write 10s or 10ms",
                        "t.yaml:6:3: limits.extra: unknown key \"extra\"; valid keys here: "
                        "queue_size, offset, ratio, max_bytes, flush_interval, retention, "
                        "low_watermark, high_watermark",
                    });
}

TEST_CASE("validate() problems land on the offending key, or its nearest written parent",
          "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  high_watermark: 5\n  low_watermark: 6\n") ==
        std::vector<std::string>{
            "t.yaml:4:3: limits.low_watermark: must not be above high_watermark"});
  // low_watermark keeps its default (10) and is not in the file: its parent `limits` is blamed.
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  high_watermark: 5\n") ==
        std::vector<std::string>{
            "t.yaml:2:1: limits.low_watermark: must not be above high_watermark"});
}

TEST_CASE("validate() problems about a value that failed to parse are not repeated",
          "[config][schema]") {
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  high_watermark: 5\n  low_watermark: x\n") ==
        std::vector<std::string>{
            "t.yaml:4:18: limits.low_watermark: expected an integer, got \"x\""});
}

TEST_CASE("Environment variables are substituted before conversion", "[config][schema]") {
  ::setenv("STITCH_TEST_QUEUE", "77", 1);
  ::unsetenv("STITCH_TEST_UNSET");
  const auto e = load<Everything>(
      "path: ${STITCH_TEST_UNSET:-/default}\nlimits:\n  queue_size: ${STITCH_TEST_QUEUE}\n  "
      "flush_interval: ${STITCH_TEST_UNSET:-2s}\n");
  CHECK(e.path == "/default");
  CHECK(e.limits.queue_size == 77);
  CHECK(e.limits.flush_interval == 2s);
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  queue_size: ${STITCH_TEST_UNSET}\n") ==
        std::vector<std::string>{
            "t.yaml:3:15: limits.queue_size: environment variable STITCH_TEST_UNSET is not set "
            "(give a default with ${STITCH_TEST_UNSET:-value})"});
  ::setenv("STITCH_TEST_QUEUE", "lots", 1);
  CHECK(problemsOf<Everything>("path: /x\nlimits:\n  queue_size: ${STITCH_TEST_QUEUE}\n") ==
        std::vector<std::string>{
            "t.yaml:3:15: limits.queue_size: expected an integer, got \"lots\""});
  ::unsetenv("STITCH_TEST_QUEUE");
}

TEST_CASE("Overrides apply on top of the file and their problems say <--set>", "[config][schema]") {
  LoadOptions options;
  options.overrides = {"limits.queue_size=9", "tags=[x, y]", "path=/from/cli"};
  const auto e = load<Everything>("path: /x\nlimits:\n  queue_size: 5\n", options);
  CHECK(e.limits.queue_size == 9);
  CHECK(e.tags == std::vector<std::string>{"x", "y"});
  CHECK(e.path == "/from/cli");

  // Problems come in the order of the keys in the tree the overrides built.
  options.overrides = {"limits.queue_size=0", "colr=red", "limits.flush_interval=ten"};
  CHECK(problemsOf<Everything>("path: /x\n", options) ==
        std::vector<std::string>{
            "<--set>: limits.queue_size: must be from 1 to 1000000, got 0",
            "<--set>: limits.flush_interval: expected a duration like 250ms, got \"ten\"",
            "<--set>: colr: unknown key \"colr\"; did you mean \"color\"?"});
}

TEST_CASE("toYaml writes a config that loads back equal", "[config][schema]") {
  Everything e;
  e.enabled = false;
  e.name = "a \"quoted\" name with ${NOT_A_VAR} and\ttab";
  e.path = "/x: y";
  e.color = Color::kRed;
  e.limits.max_bytes = 1536;
  e.limits.flush_interval = 1500ms;
  e.tags = {"", "yes", "null", "#x"};
  e.ports = {1, 65535};
  e.palette = {};
  e.headers = {{"authorization", "Bearer t"}, {"odd key: x", "v"}, {"true", "1"}};
  e.timeout = 5s;
  e.label.reset();
  e.cap = 0;
  e.weight = 0.1F;
  for (const bool comments : {false, true}) {
    const std::string yaml = toYaml(e, comments);
    CAPTURE(yaml);
    CHECK(load<Everything>(yaml) == e);
  }
}

// ---- tagged unions and recursion ----

namespace {

const char* const kPolicies = R"(sampling:
  tail:
    policies:
      - name: errors
        type: status_code
        status_codes: [error]
      - name: slow
        type: latency
        threshold: 2s
      - name: checkout-not-health
        type: and
        policies:               # nested policies, any depth
          - { name: svc, type: service, services: [checkout] }
          - { name: not-health, type: not, policy: { name: h, type: operation, operations: [healthz] } }
exporters:
  - type: file
    path: /var/log/stitch/traces.ndjson
  - type: otlp_http
    endpoint: http://127.0.0.1:4318
    headers: { authorization: "Bearer ${STITCH_TEST_OTLP_TOKEN}" }
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("A recursive tagged union maps onto nested variants", "[config][schema][union]") {
  ::setenv("STITCH_TEST_OTLP_TOKEN", "t0k", 1);
  const auto p = load<PipelineConfig>(kPolicies);
  ::unsetenv("STITCH_TEST_OTLP_TOKEN");

  const auto& policies = p.sampling.tail.policies;
  REQUIRE(policies.size() == 3);
  CHECK(policies[0].name == "errors");
  CHECK(std::get<StatusCodeRule>(policies[0].rule).status_codes ==
        std::vector<StatusCode>{StatusCode::kError});
  CHECK(std::get<LatencyRule>(policies[1].rule).threshold == 2s);
  const auto& both = std::get<AndRule>(policies[2].rule);
  REQUIRE(both.policies.size() == 2);
  CHECK(std::get<ServiceRule>(both.policies[0].rule).services ==
        std::vector<std::string>{"checkout"});
  const auto& inverted = std::get<NotRule>(both.policies[1].rule);
  CHECK(inverted.policy->name == "h");
  CHECK(std::get<OperationRule>(inverted.policy->rule).operations ==
        std::vector<std::string>{"healthz"});

  REQUIRE(p.exporters.size() == 2);
  CHECK(std::get<FileExporter>(p.exporters[0].kind).path == "/var/log/stitch/traces.ndjson");
  const auto& otlp = std::get<OtlpHttpExporter>(p.exporters[1].kind);
  CHECK(otlp.endpoint == "http://127.0.0.1:4318");
  CHECK(otlp.headers.at("authorization") == "Bearer t0k");
  CHECK(otlp.timeout == 10s);
  CHECK(p.exporters[1].queue_size == 1024);
}

TEST_CASE("A problem inside a nested policy is reported at its line with its full path",
          "[config][schema][union]") {
  ::setenv("STITCH_TEST_OTLP_TOKEN", "t0k", 1);
  const std::string yaml = replace(kPolicies, "type: operation,", "type: operatoin,");
  CHECK(problemsOf<PipelineConfig>(yaml) ==
        std::vector<std::string>{
            "t.yaml:14:69: sampling.tail.policies[2].policies[1].policy.type: unknown type "
            "\"operatoin\"; did you mean \"operation\"?"});
  ::unsetenv("STITCH_TEST_OTLP_TOKEN");
}

TEST_CASE("Union problems: missing type, keys of another type, the alternative's own checks",
          "[config][schema][union]") {
  const auto [yaml, message] = GENERATE(table<std::string, std::string>({
      {"exporters:\n  - path: /x\n",
       "t.yaml:2:5: exporters[0].type: required key is missing; one of file, otlp_http"},
      {"exporters:\n  - type: file\n", "t.yaml:2:5: exporters[0].path: required key is missing"},
      {"exporters:\n  - type: file\n    path: /x\n    endpoint: http://h\n",
       "t.yaml:4:5: exporters[0].endpoint: not a key of type \"file\" (it belongs to type "
       "otlp_http)"},
      {"exporters:\n  - type: file\n    path: /x\n    queue_sise: 3\n",
       "t.yaml:4:5: exporters[0].queue_sise: unknown key \"queue_sise\"; did you mean "
       "\"queue_size\"?"},
      {"exporters:\n  - type: kafka\n    path: /x\n",
       "t.yaml:2:11: exporters[0].type: unknown type \"kafka\"; expected one of file, otlp_http"},
      {"exporters:\n  - type: [file]\n",
       "t.yaml:2:11: exporters[0].type: expected one of file, otlp_http, got a list"},
      {"exporters:\n  - type: file\n    path: /x\n    max_file_bytes: 0\n",
       "t.yaml:4:21: exporters[0].max_file_bytes: must be at least 1B, got 0"},
      {"sampling:\n  tail:\n    policies:\n      - name: p\n        type: latency\n        "
       "threshold: 5s\n        upper: 1s\n",
       "t.yaml:7:9: sampling.tail.policies[0].upper: must not be below threshold"},
      {"sampling:\n  tail:\n    policies:\n      - name: p\n        type: not\n",
       "t.yaml:4:9: sampling.tail.policies[0].policy: required key is missing"},
      {"sampling:\n  tail:\n    policies:\n      - name: p\n        type: and\n        policies: "
       "[]\n",
       "t.yaml:6:19: sampling.tail.policies[0].policies: must not be empty"},
  }));
  CAPTURE(yaml);
  CHECK(problemsOf<PipelineConfig>(yaml) == std::vector<std::string>{message});
}

TEST_CASE("A union's keys are not checked against a type that failed to parse",
          "[config][schema][union]") {
  CHECK(
      problemsOf<PipelineConfig>("exporters:\n  - type: kafak\n    endpoint: x\n    bogus: 1\n") ==
      std::vector<std::string>{
          "t.yaml:2:11: exporters[0].type: unknown type \"kafak\"; expected one of file, "
          "otlp_http",
          "t.yaml:4:5: exporters[0].bogus: unknown key \"bogus\"; valid keys here: type, "
          "queue_size, path, max_file_bytes, endpoint, headers, timeout"});
}

TEST_CASE("A recursive config written by toYaml loads back equal", "[config][schema][union]") {
  ::setenv("STITCH_TEST_OTLP_TOKEN", "t0k", 1);
  const auto p = load<PipelineConfig>(kPolicies);
  ::unsetenv("STITCH_TEST_OTLP_TOKEN");
  for (const bool comments : {false, true}) {
    const std::string yaml = toYaml(p, comments);
    CAPTURE(yaml);
    CHECK(load<PipelineConfig>(yaml) == p);
  }
}

TEST_CASE("Schema registration mistakes are caught when the schema is built", "[config][schema]") {
  struct Plain {
    int a = 0;
    int b = 0;
  };
  Schema<Plain> s;
  s.field("a", &Plain::a, "A.");
  CHECK_THROWS_WITH(s.field("a", &Plain::b, "Again."), Catch::Contains("registered twice"));
  CHECK_THROWS_WITH(s.field("B", &Plain::b, "Upper case."), Catch::Contains("lower_snake_case"));
  CHECK_THROWS_WITH(s.field("b", &Plain::b, ""), Catch::Contains("without a description"));
}
