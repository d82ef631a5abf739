#include "core/decode/decode_config.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::decode;

namespace {

// The one problem `config` has; fails when it has none or several.
ConfigProblem onlyProblem(const DecodeConfig& config) {
  const ConfigProblems problems = config.validate();
  REQUIRE(problems.size() == 1);
  return problems.front();
}

}  // namespace

TEST_CASE("The default decode config is valid", "[decode][config]") {
  const DecodeConfig config;
  CHECK(config.validate().empty());
  CHECK(config.format == InputFormat::kAuto);
  CHECK(config.max_record_bytes == 1024 * 1024);
  CHECK(config.max_depth == 64);
  CHECK(config.invalid_context == InvalidContextPolicy::kKeep);
}

TEST_CASE("Decode config problems name the key and say what is wrong", "[decode][config]") {
  DecodeConfig config;
  SECTION("max_record_bytes too small") {
    config.max_record_bytes = 1;
    const auto p = onlyProblem(config);
    CHECK(p.path == "max_record_bytes");
    CHECK(p.message == "must be between 2 (the smallest object, \"{}\") and 268435456 (256 MiB)");
  }
  SECTION("max_record_bytes too large") {
    config.max_record_bytes = (std::size_t{256} << 20) + 1;
    CHECK(onlyProblem(config).path == "max_record_bytes");
  }
  SECTION("max_depth zero") {
    config.max_depth = 0;
    const auto p = onlyProblem(config);
    CHECK(p.path == "max_depth");
    CHECK(p.message == "must be between 1 and 1024");
  }
  SECTION("max_depth too large") {
    config.max_depth = 1025;
    CHECK(onlyProblem(config).path == "max_depth");
  }
  SECTION("dead_letter without a path") {
    config.invalid_context = InvalidContextPolicy::kDeadLetter;
    const auto p = onlyProblem(config);
    CHECK(p.path == "dead_letter_path");
    CHECK(p.message == "is required when invalid_context is dead_letter");
  }
  SECTION("a dead-letter path that would never be written") {
    config.dead_letter_path = "/var/lib/stitch/dead.ndjson";
    const auto p = onlyProblem(config);
    CHECK(p.path == "dead_letter_path");
    CHECK(p.message ==
          "is set but invalid_context is keep, so nothing would be written there; set "
          "invalid_context: dead_letter or remove dead_letter_path");
  }
  SECTION("format custom without a path") {
    config.format = InputFormat::kCustom;
    const auto p = onlyProblem(config);
    CHECK(p.path == "fields");
    CHECK(p.message.find("format is custom but no field path is set") == 0);
  }
  SECTION("an empty path") {
    config.fields.trace_id = "";
    const auto p = onlyProblem(config);
    CHECK(p.path == "fields.trace_id");
    CHECK(p.message == "must not be empty (remove the key to use the preset's field)");
  }
  SECTION("paths with empty segments") {
    for (const std::string path : {".a", "a.", "a..b"}) {
      CAPTURE(path);
      config.fields.span_id = path;
      const auto p = onlyProblem(config);
      CHECK(p.path == "fields.span_id");
      CHECK(p.message ==
            "'" + path + "' has an empty segment (a leading, trailing or doubled '.')");
    }
  }
  SECTION("a path that is too long") {
    config.fields.message = std::string(201, 'm');
    const auto p = onlyProblem(config);
    CHECK(p.path == "fields.message");
    CHECK(p.message == "is longer than 200 bytes");
  }
  SECTION("a path with control characters") {
    config.fields.level = "a\tb";
    CHECK(onlyProblem(config).message == "must not contain control characters");
  }
  SECTION("an out-of-range enum value") {
    config.format = static_cast<InputFormat>(9);
    const auto p = onlyProblem(config);
    CHECK(p.path == "format");
    CHECK(p.message == "must be one of auto, canonical, otel, ecs, datadog or custom");
  }
  SECTION("an out-of-range policy") {
    config.invalid_context = static_cast<InvalidContextPolicy>(7);
    const auto p = onlyProblem(config);
    CHECK(p.path == "invalid_context");
    CHECK(p.message == "must be one of keep, drop or dead_letter");
  }
}

TEST_CASE("Every problem of a decode config is reported, not only the first", "[decode][config]") {
  DecodeConfig config;
  config.max_depth = 0;
  config.max_record_bytes = 0;
  config.fields.trace_id = "";
  config.fields.service = "a..b";
  CHECK(config.validate().size() == 4);
}

TEST_CASE("Format and policy names round-trip", "[decode][config]") {
  for (std::size_t i = 0; i < kInputFormatCount; ++i) {
    const auto format = static_cast<InputFormat>(i);
    CHECK(parseInputFormat(inputFormatName(format)) == format);
  }
  for (std::size_t i = 0; i < kInvalidContextPolicyCount; ++i) {
    const auto policy = static_cast<InvalidContextPolicy>(i);
    CHECK(parsePolicy(policyName(policy)) == policy);
  }
  CHECK_FALSE(parseInputFormat("json"));
  CHECK_FALSE(parsePolicy("ignore"));
}

TEST_CASE("CustomFieldPaths lists every field with its config name", "[decode][config]") {
  CustomFieldPaths paths;
  CHECK_FALSE(paths.anySet());
  paths.attributes = "attrs";
  CHECK(paths.anySet());
  const auto fields = paths.fields();
  const auto& names = CustomFieldPaths::fieldNames();
  REQUIRE(fields.size() == names.size());
  CHECK(names.back() == "attributes");
  CHECK(*fields.back() == std::optional<std::string>("attrs"));
}
