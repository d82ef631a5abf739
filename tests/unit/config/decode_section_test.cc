// The `decode:` section of stitch.yaml onto decode::DecodeConfig.
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.h"

using stitch::config::ConfigError;
using stitch::config::loadConfigString;
using stitch::config::StitchConfig;
using stitch::decode::InputFormat;
using stitch::decode::InvalidContextPolicy;

namespace {

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

TEST_CASE("The decode section maps onto DecodeConfig", "[config][decode]") {
  ::setenv("STITCH_TEST_DEAD_LETTERS", "/var/lib/stitch/dead.ndjson", 1);
  const StitchConfig c = loadConfigString(
      "decode:\n"
      "  format: custom\n"
      "  max_record_bytes: 64KiB\n"
      "  max_depth: 16\n"
      "  invalid_context: dead_letter\n"
      "  dead_letter_path: ${STITCH_TEST_DEAD_LETTERS}\n"
      "  fields:\n"
      "    trace_id: ctx.trace\n"
      "    message: \"@m\"\n",
      "stitch.yaml");
  ::unsetenv("STITCH_TEST_DEAD_LETTERS");
  CHECK(c.decode.format == InputFormat::kCustom);
  CHECK(c.decode.max_record_bytes == 64 * 1024);
  CHECK(c.decode.max_depth == 16);
  CHECK(c.decode.invalid_context == InvalidContextPolicy::kDeadLetter);
  CHECK(c.decode.dead_letter_path == "/var/lib/stitch/dead.ndjson");
  CHECK(c.decode.fields.trace_id == "ctx.trace");
  CHECK(c.decode.fields.message == "@m");
  CHECK_FALSE(c.decode.fields.span_id);
}

TEST_CASE("The decode section reports bad values and DecodeConfig's own problems",
          "[config][decode]") {
  const auto problems = problemsOf(
      "decode:\n"
      "  format: json\n"
      "  max_depth: 0\n"
      "  invalid_context: dead_letter\n"
      "  fields:\n"
      "    span_id: a..b\n"
      "    trace: x\n");
  CHECK(problems ==
        std::vector<std::string>{
            "stitch.yaml:1:1: decode.dead_letter_path: is required when invalid_context is "
            "dead_letter",
            "stitch.yaml:2:11: decode.format: unknown value \"json\"; expected one of auto, "
            "canonical, otel, ecs, datadog, custom",
            "stitch.yaml:3:14: decode.max_depth: must be from 1 to 1024, got 0",
            "stitch.yaml:6:5: decode.fields.span_id: 'a..b' has an empty segment (a leading, "
            "trailing or doubled '.')",
            "stitch.yaml:7:5: decode.fields.trace: unknown key \"trace\"; did you mean "
            "\"trace_id\"?"});
  CHECK(problemsOf("decode:\n  max_record_bytes: 1GiB\n").size() == 1);
  CHECK(problemsOf("", {"decode.format=otel"}).empty());
}

TEST_CASE("A decode section written by configToYaml loads back equal", "[config][decode]") {
  const StitchConfig c = loadConfigString(
      "decode: {format: ecs, invalid_context: drop, fields: {service: app.name}}\n", "stitch.yaml");
  CHECK(c.decode.format == InputFormat::kEcs);
  CHECK(c.decode.fields.service == "app.name");
  const std::string yaml = stitch::config::configToYaml(c);
  CHECK(loadConfigString(yaml, "dump.yaml") == c);
}
