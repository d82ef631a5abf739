#include "core/tracecontext/describe.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

using namespace stitch::tracecontext;

namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// Parses the JSON the CLI prints; a test fails on output that is not one valid JSON object.
struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::object object;

  explicit Parsed(const std::string& json) {
    simdjson::dom::element root;
    REQUIRE(parser.parse(json).get(root) == simdjson::SUCCESS);
    REQUIRE(root.get(object) == simdjson::SUCCESS);
  }
  std::string text(std::string_view key) {
    std::string_view value;
    REQUIRE(object[key].get(value) == simdjson::SUCCESS);
    return std::string(value);
  }
  bool flag(std::string_view key) {
    bool value = false;
    REQUIRE(object[key].get(value) == simdjson::SUCCESS);
    return value;
  }
  bool isNull(std::string_view key) { return object[key].is_null(); }
  bool has(std::string_view key) { return object[key].error() == simdjson::SUCCESS; }
};

TraceContextDescription describe(std::string_view traceparent,
                                 std::vector<std::string_view> lines = {},
                                 TracestateKeyGrammar grammar = kDefaultKeyGrammar) {
  return describeTraceContext(traceparent, lines, grammar);
}

}  // namespace

TEST_CASE("describeTraceContext reports every field of a valid traceparent", "[tracecontext]") {
  const auto d = describe(kValid, {"rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"});
  CHECK(d.traceparent_valid);
  Parsed json(d.json);
  CHECK(json.text("input") == kValid);
  CHECK(json.flag("valid"));
  CHECK_FALSE(json.has("reason"));
  CHECK(json.text("version") == "00");
  CHECK(json.text("trace_id") == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(json.text("parent_id") == "00f067aa0ba902b7");
  CHECK(json.text("flags") == "01");
  CHECK(json.flag("sampled"));
  CHECK_FALSE(json.flag("random"));
  CHECK(json.text("normalized") == kValid);

  simdjson::dom::object tracestate;
  REQUIRE(json.object["tracestate"].get(tracestate) == simdjson::SUCCESS);
  CHECK(tracestate["valid"].get_bool().value());
  CHECK(tracestate["reason"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(std::string_view(tracestate["normalized"].get_string().value()) ==
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  simdjson::dom::array entries;
  REQUIRE(tracestate["entries"].get(entries) == simdjson::SUCCESS);
  REQUIRE(entries.size() == 2);
  CHECK(std::string_view(entries.at(0).at(0).get_string().value()) == "rojo");
  CHECK(std::string_view(entries.at(0).at(1).get_string().value()) == "00f067aa0ba902b7");
  CHECK(std::string_view(entries.at(1).at(0).get_string().value()) == "congo");
}

TEST_CASE("describeTraceContext shows a future version's flags as received and as re-emitted",
          "[tracecontext]") {
  const auto d = describe("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fd-future");
  CHECK(d.traceparent_valid);
  Parsed json(d.json);
  CHECK(json.text("version") == "cc");
  CHECK(json.text("flags") == "fd");
  CHECK(json.flag("sampled"));
  CHECK_FALSE(json.flag("random"));
  CHECK(json.text("normalized") == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST_CASE("describeTraceContext gives the reason and nulls for an invalid traceparent",
          "[tracecontext]") {
  const auto d = describe("00-00000000000000000000000000000000-00f067aa0ba902b7-01", {"a=1"});
  CHECK_FALSE(d.traceparent_valid);
  Parsed json(d.json);
  CHECK_FALSE(json.flag("valid"));
  CHECK(json.text("reason") == "zero_trace_id");
  for (const char* key : {"version", "trace_id", "parent_id", "flags", "sampled", "random",
                          "normalized", "tracestate"}) {
    CAPTURE(key);
    CHECK(json.isNull(key));
  }
}

TEST_CASE("describeTraceContext reports an invalid tracestate without failing the traceparent",
          "[tracecontext]") {
  const auto d = describe(kValid, {"foo=1", "foo=2"});
  CHECK(d.traceparent_valid);
  Parsed json(d.json);
  simdjson::dom::object tracestate;
  REQUIRE(json.object["tracestate"].get(tracestate) == simdjson::SUCCESS);
  CHECK_FALSE(tracestate["valid"].get_bool().value());
  CHECK(std::string_view(tracestate["reason"].get_string().value()) == "duplicate_key");
  CHECK(tracestate["entries"].get_array().value().size() == 0);
  CHECK(tracestate["normalized"].is_null());
}

TEST_CASE("describeTraceContext treats no tracestate line as an empty tracestate",
          "[tracecontext]") {
  Parsed json(describe(kValid).json);
  simdjson::dom::object tracestate;
  REQUIRE(json.object["tracestate"].get(tracestate) == simdjson::SUCCESS);
  CHECK(tracestate["valid"].get_bool().value());
  CHECK(tracestate["entries"].get_array().value().size() == 0);
}

TEST_CASE("describeTraceContext applies the chosen tracestate key grammar", "[tracecontext]") {
  Parsed strict(describe(kValid, {"a@b@c=1"}, TracestateKeyGrammar::kMultiTenant).json);
  Parsed relaxed(describe(kValid, {"a@b@c=1"}).json);
  CHECK_FALSE(strict.object["tracestate"]["valid"].get_bool().value());
  CHECK(relaxed.object["tracestate"]["valid"].get_bool().value());
}

TEST_CASE("describeTraceContext escapes a hostile input into valid JSON", "[tracecontext]") {
  const std::string hostile("\"}\n\x01\xff\\", 7);
  const auto d = describe(hostile);
  CHECK_FALSE(d.traceparent_valid);
  Parsed json(d.json);
  CHECK(json.text("reason") == "invalid_version");
}
