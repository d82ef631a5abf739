// Decoder behaviour common to every preset: trace context rules, time, limits, malformed input,
// batching and the invalid-context policies.
#include "core/decode/decoder.h"

#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/core/decode/decode_test_util.h"
#include "tests/unit/support/allocation_counter.h"

using namespace stitch;
using namespace stitch::decode;
using stitch::decode::test::DecodeFixture;
using stitch::decode::test::hexOf;
using stitch::decode::test::kReceived;
using stitch::record::ContextProblem;
using stitch::tracecontext::TraceparentError;
namespace flag = stitch::record::flag;

namespace {

constexpr TimestampNs kMay1Noon = 1'714'564'800'000'000'000;  // 2024-05-01T12:00:00Z
const std::string kGood =
    R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","msg":"ok"})";

std::size_t problems(const DecodeStats& stats, ContextProblem problem) {
  return stats.context_problems[static_cast<std::size_t>(problem)];
}

}  // namespace

// ---- trace context ----

TEST_CASE("A traceparent that disagrees with the id fields wins, and the conflict is counted",
          "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
                R"("trace_id":"11111111111111111111111111111111","span_id":"2222222222222222"})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(hexOf(r->span_id) == "00f067aa0ba902b7");
  CHECK((r->flags & flag::kTraceparentConflict) != 0);
  CHECK(fx.stats().traceparent_conflicts == 1);
}

TEST_CASE("Id fields that agree with the traceparent are no conflict", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",)"
                R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"})");
  REQUIRE(r);
  CHECK((r->flags & flag::kTraceparentConflict) == 0);
  CHECK(r->trace_flags == 0);
  CHECK((r->flags & flag::kHasTraceFlags) != 0);  // a traceparent always gives flags
  CHECK(fx.stats().traceparent_conflicts == 0);
}

TEST_CASE("Invalid traceparents make untraced logs counted by traceparent reason", "[decode]") {
  // The malformations gen_logs.py writes, with the reason each must be counted under.
  const auto sample = GENERATE(as<std::pair<std::string, TraceparentError>>{},
                               std::pair{"00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
                                         TraceparentError::kInvalidLength},
                               std::pair{"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                         TraceparentError::kZeroTraceId},
                               std::pair{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                                         TraceparentError::kInvalidTraceId},
                               std::pair{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                         TraceparentError::kForbiddenVersion},
                               std::pair{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                                         TraceparentError::kInvalidLength},
                               std::pair{"00-4bf92f3577b34da6a3ce929d0e0e47xz-00f067aa0ba902b7-01",
                                         TraceparentError::kInvalidTraceId},
                               std::pair{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                                         TraceparentError::kZeroParentId},
                               // core/tracecontext reads "00_" as a bad version field.
                               std::pair{"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
                                         TraceparentError::kInvalidVersion});
  CAPTURE(sample.first);
  DecodeFixture fx;
  const auto r = fx.record(R"({"traceparent":")" + sample.first +
                           R"(","span_id":"00f067aa0ba902b7","msg":"x"})");
  REQUIRE(r);
  CHECK_FALSE(r->hasTraceContext());
  CHECK(r->context == ContextProblem::kInvalidTraceparent);
  CHECK(r->traceparent_error == static_cast<std::uint8_t>(sample.second));
  CHECK(fx.stats().traceparent_errors[static_cast<std::size_t>(sample.second)] == 1);
  CHECK(problems(fx.stats(), ContextProblem::kInvalidTraceparent) == 1);
  CHECK_FALSE(r->trace_id.isValid());
  CHECK(r->messageText() == "x");  // the log itself is intact
}

TEST_CASE("Missing and invalid id fields are counted by reason", "[decode]") {
  const auto sample = GENERATE(
      as<std::pair<std::string, ContextProblem>>{},
      std::pair{R"({"msg":"no context"})", ContextProblem::kMissing},
      std::pair{R"({"span_id":"00f067aa0ba902b7"})", ContextProblem::kMissing},
      std::pair{R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e47"})",
                ContextProblem::kInvalidTraceId},
      std::pair{R"({"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"})",
                ContextProblem::kInvalidTraceId},
      std::pair{R"({"trace_id":12345})", ContextProblem::kInvalidTraceId},
      std::pair{R"({"trace_id":{"id":"4bf92f3577b34da6a3ce929d0e0e4736"}})",
                ContextProblem::kInvalidTraceId},
      std::pair{R"({"trace_id":"00000000000000000000000000000000"})", ContextProblem::kZeroTraceId},
      std::pair{R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902"})",
                ContextProblem::kInvalidSpanId},
      std::pair{R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"0000000000000000"})",
                ContextProblem::kZeroSpanId},
      std::pair{R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",)"
                R"("parent_span_id":"xyz"})",
                ContextProblem::kInvalidParentSpanId},
      std::pair{R"({"traceparent":42})", ContextProblem::kInvalidTraceparent});
  CAPTURE(sample.first);
  DecodeFixture fx;
  const auto r = fx.record(sample.first);
  REQUIRE(r);
  CHECK(r->context == sample.second);
  CHECK_FALSE(r->hasTraceContext());
  CHECK(problems(fx.stats(), sample.second) == 1);
  CHECK(fx.stats().untraced == 1);
  CHECK(fx.stats().traced == 0);
}

TEST_CASE("A trace id without a span id is a log of the whole trace", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":null})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK_FALSE(r->span_id.isValid());
}

TEST_CASE("An all-zero parent span id means a root span", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",)"
                R"("parent_span_id":"0000000000000000"})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK_FALSE(r->parent_span_id.isValid());
}

TEST_CASE("An invalid tracestate is dropped and counted; the context stays", "[decode]") {
  using stitch::tracecontext::TracestateError;
  const auto sample = GENERATE(as<std::pair<std::string, TracestateError>>{},
                               std::pair{"rojo", TracestateError::kMissingEquals},
                               std::pair{"Rojo=1", TracestateError::kInvalidKey},
                               std::pair{"rojo=1,rojo=2", TracestateError::kDuplicateKey});
  CAPTURE(sample.first);
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
                R"("tracestate":")" +
                sample.first + R"("})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK(r->tracestateText().empty());
  CHECK(problems(fx.stats(), ContextProblem::kInvalidTracestate) == 1);
  CHECK(fx.stats().tracestate_errors[static_cast<std::size_t>(sample.second)] == 1);
  CHECK(fx.stats().traced == 1);
}

TEST_CASE("A tracestate field is kept with a valid context", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",)"
                R"("tracestate":"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"})");
  REQUIRE(r);
  CHECK(r->tracestateText() == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

// ---- time ----

TEST_CASE("Timestamps decode from RFC 3339 and from epoch numbers of any unit", "[decode]") {
  const auto sample = GENERATE(
      as<std::pair<std::string, TimestampNs>>{}, std::pair{R"("2024-05-01T12:00:00Z")", kMay1Noon},
      std::pair{R"("2024-05-01T12:00:00.5Z")", kMay1Noon + 500'000'000},
      std::pair{R"("2024-05-01T14:00:00.000000001+02:00")", kMay1Noon + 1},
      std::pair{R"("2024-05-01T12:00:00.1234567891234Z")", kMay1Noon + 123'456'789},
      std::pair{"1714564800", kMay1Noon}, std::pair{"1714564800.25", kMay1Noon + 250'000'000},
      std::pair{"1714564800123", kMay1Noon + 123'000'000},
      std::pair{"1714564800123456", kMay1Noon + 123'456'000},
      std::pair{"1714564800123456789", kMay1Noon + 123'456'789},
      std::pair{R"("1714564800123456789")", kMay1Noon + 123'456'789},
      std::pair{"1.7145648e9", kMay1Noon});
  CAPTURE(sample.first);
  DecodeFixture fx;
  const auto r = fx.record(R"({"timestamp":)" + sample.first + "}");
  REQUIRE(r);
  CHECK(r->timestamp_ns == sample.second);
  CHECK((r->flags & (flag::kBadTimestamp | flag::kTimestampFromReceive)) == 0);
}

TEST_CASE("Bad timestamps are counted and replaced by the receive time", "[decode]") {
  const auto value =
      GENERATE(as<std::string>{}, R"("2024-13-01T00:00:00Z")", R"("2023-02-29T00:00:00Z")",
               R"("2024-05-01T24:00:00Z")", R"("yesterday")", R"("2024-05-01")",
               R"("2024-05-01T12:00:00+2")", "1e30", "-5", "99999999999999999999999", "true",
               R"({"seconds":1})", R"("3000-01-01T00:00:00Z")");
  CAPTURE(value);
  DecodeFixture fx;
  const auto r = fx.record(R"({"ts":)" + value + "}");
  REQUIRE(r);
  CHECK(r->timestamp_ns == kReceived);
  CHECK((r->flags & flag::kBadTimestamp) != 0);
  CHECK(fx.stats().timestamps_bad == 1);
}

TEST_CASE("start_time gives a span's start; start_time and end_time give its duration",
          "[decode]") {
  DecodeFixture fx;
  auto r = fx.record(
      R"({"timestamp":"2024-05-01T12:00:01Z","start_time":"2024-05-01T12:00:00Z","duration_ns":5})");
  REQUIRE(r);
  CHECK(r->start_ns == kMay1Noon);
  CHECK(r->duration_ns == 5);
  r = fx.record(R"({"start_time":1714564800,"end_time":"2024-05-01T12:00:02Z"})");
  REQUIRE(r);
  CHECK(r->start_ns == kMay1Noon);
  CHECK(r->duration_ns == 2 * kNanosPerSecond);
}

TEST_CASE("Invalid durations are counted and the record is not a span", "[decode]") {
  const auto value = GENERATE(as<std::string>{}, R"("duration_ms":-1)", R"("duration_ms":1e300)",
                              R"("duration_ns":9223372036854775808)", R"("duration_ms":"soon")",
                              R"("duration_ms":true)");
  CAPTURE(value);
  DecodeFixture fx;
  const auto r = fx.record("{" + value + "}");
  REQUIRE(r);
  CHECK_FALSE(r->isSpan());
  CHECK(fx.stats().durations_invalid == 1);
}

TEST_CASE("Durations keep sub-millisecond precision exactly", "[decode]") {
  DecodeFixture fx;
  auto r = fx.record(R"({"ts":1714564800,"duration_ms":0.001})");
  REQUIRE(r);
  CHECK(r->duration_ns == 1000);
  r = fx.record(R"({"ts":1714564800,"duration_ms":"12.3456789"})");
  REQUIRE(r);
  CHECK(r->duration_ns == 12'345'678);
}

// ---- decode errors ----

TEST_CASE("Malformed JSON is rejected as malformed_json", "[decode]") {
  const auto line = GENERATE(
      as<std::string>{}, R"({"a":1)", R"({"a":})", R"({"a" 1})", R"({"a":1,})", R"({"a":[1,,2]})",
      R"({"a":tru})", R"({"a":nul})", R"({"a":01})", R"({"a":1.})", R"({"a":"\q"})",
      R"({"a":"\u12"})", R"({"a":1} {"b":2})", R"({"a":1}})", R"({"a":1} x)", R"({a:1})", "{'a':1}",
      "hello world", "[1,2", "{\"a\":\"b}", R"({"a":{"b":1})", R"({"a":[1,2})", R"({"a":1 2})",
      R"({"a":"b":"c"}})", R"({"a":"b" "c"})", R"({"a":["b":"c"]})", R"({"a":{"b":"c":"d"}}})");
  CAPTURE(line);
  DecodeFixture fx;
  CHECK(fx.error(line) == DecodeError::kMalformedJson);
  CHECK(fx.error(line, ' ') == DecodeError::kMalformedJson);
  CHECK(fx.stats().errors[static_cast<std::size_t>(DecodeError::kMalformedJson)] == 2);
}

TEST_CASE("Every truncation of a valid line is rejected, whatever the padding holds", "[decode]") {
  const std::string line =
      R"({"ts":"2024-05-01T12:00:00Z","msg":"a \"b\"","attrs":{"k":[1,{"x":null}],"t":true}})";
  DecodeFixture fx;
  for (std::size_t size = 1; size < line.size(); ++size) {
    CAPTURE(size);
    for (const char padding : {'}', ']', '"', ' ', '\0'}) {
      const auto result = fx.line(std::string_view(line).substr(0, size), padding);
      CHECK_FALSE(result);
    }
  }
  CHECK(fx.line(line));
}

TEST_CASE("Valid JSON that is not an object is rejected as not_an_object", "[decode]") {
  const auto line =
      GENERATE(as<std::string>{}, "[1,2]", R"("text")", "42", "-1.5e3", "true", "null", "[]");
  CAPTURE(line);
  DecodeFixture fx;
  CHECK(fx.error(line) == DecodeError::kNotAnObject);
}

TEST_CASE("Invalid UTF-8 is rejected as invalid_utf8", "[decode]") {
  const auto line = GENERATE(as<std::string>{}, "{\"msg\":\"\xff\"}",
                             "{\"msg\":\"\xc0\xaf\"}",      // overlong '/'
                             "{\"msg\":\"\xed\xa0\x80\"}",  // UTF-16 surrogate
                             "{\"msg\":\"caf\xc3\"}",       // truncated sequence
                             "{\"k\xfe\":1}",               // in a key
                             "{\"msg\":\"ok\"}\x80");       // outside a string
  CAPTURE(line);
  DecodeFixture fx;
  CHECK(fx.error(line) == DecodeError::kInvalidUtf8);
}

TEST_CASE("Valid multi-byte UTF-8 passes through untouched", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      "{\"msg\":\"caf\xc3\xa9 order \xe2\x84\x96"
      "42 \xe2\x9c\x93 \xf0\x9f\x9a\x80\"}");
  REQUIRE(r);
  CHECK(r->messageText() ==
        "caf\xc3\xa9 order \xe2\x84\x96"
        "42 \xe2\x9c\x93 \xf0\x9f\x9a\x80");
}

TEST_CASE("Lines over max_record_bytes are rejected before parsing; the limit itself passes",
          "[decode]") {
  DecodeConfig config;
  config.max_record_bytes = 100;
  DecodeFixture fx(config);
  const std::string prefix = R"({"msg":")";
  const std::string at_limit = prefix + std::string(100 - prefix.size() - 2, 'x') + "\"}";
  REQUIRE(at_limit.size() == 100);
  CHECK(fx.line(at_limit));
  const std::string over = prefix + std::string(100 - prefix.size() - 1, 'x') + "\"}";
  CHECK(fx.error(over) == DecodeError::kTooLarge);
  // Even garbage is "too large" first: the size check comes before the parser.
  CHECK(fx.error(std::string(101, '\xff')) == DecodeError::kTooLarge);
}

TEST_CASE("The default limit accepts a 1 MiB line and rejects a longer one", "[decode]") {
  DecodeFixture fx;
  const std::string prefix = R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":")";
  const std::size_t limit = DecodeConfig::kDefaultMaxRecordBytes;
  const std::string at_limit = prefix + std::string(limit - prefix.size() - 2, 'y') + "\"}";
  const auto r = fx.record(at_limit);
  REQUIRE(r);
  CHECK(r->messageText().size() == limit - prefix.size() - 2);
  CHECK(r->raw().size() == limit);
  CHECK(fx.error(at_limit + " ") == DecodeError::kTooLarge);
}

TEST_CASE("Nesting deeper than max_depth is rejected as too_deep", "[decode]") {
  DecodeConfig config;
  config.max_depth = 8;
  DecodeFixture fx(config);
  const auto nested = [](int depth, char open, char close) {
    // The record's own object is depth 1; `depth - 1` more containers inside "a".
    std::string s = R"({"a":)";
    for (int i = 1; i < depth; ++i) {
      s += open == '{' ? std::string(R"({"b":)") : std::string(1, open);
    }
    s += "1";
    for (int i = 1; i < depth; ++i) {
      s += close;
    }
    return s + "}";
  };
  CHECK(fx.line(nested(8, '[', ']')));
  CHECK(fx.line(nested(8, '{', '}')));
  CHECK(fx.error(nested(9, '[', ']')) == DecodeError::kTooDeep);
  CHECK(fx.error(nested(9, '{', '}')) == DecodeError::kTooDeep);
}

TEST_CASE("Pathologically deep nesting is rejected without exhausting the stack", "[decode]") {
  DecodeFixture fx;
  const std::string deep = R"({"a":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  CHECK(fx.error(deep) == DecodeError::kTooDeep);
}

TEST_CASE("Huge numbers in attributes are valid JSON; ids as numbers are invalid ids", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","attrs":{"big":123456789012345678901234567890,)"
      R"("tiny":1e-400,"huge":1e400}})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK(r->attributesJson() ==
        R"({"big":123456789012345678901234567890,"tiny":1e-400,"huge":1e400})");
}

// ---- batches ----

TEST_CASE("decodeLines skips blank lines, drops CR before LF and decodes a last line without LF",
          "[decode]") {
  DecodeFixture fx;
  const DecodeOutput out = fx.batch(kGood + "\r\n\r\n   \n\t\n" + kGood + "\r\n" + kGood);
  REQUIRE(out.traced.size() == 3);
  for (const auto& r : out.traced) {
    CHECK(r->raw() == kGood);
  }
  CHECK(out.stats.blank_lines == 3);
  CHECK(out.stats.lines == 3);
  CHECK(out.stats.records == 3);
  CHECK(out.stats.bytes == 3 * kGood.size());
}

TEST_CASE("One bad line between two good ones costs only itself", "[decode]") {
  DecodeFixture fx;
  const DecodeOutput out = fx.batch(kGood + "\n{\"msg\":\"unterminated\n" + kGood + "\n");
  REQUIRE(out.traced.size() == 2);
  CHECK(out.traced[0]->raw() == kGood);
  CHECK(out.traced[1]->raw() == kGood);
  CHECK(out.stats.errors[static_cast<std::size_t>(DecodeError::kMalformedJson)] == 1);
  CHECK(out.stats.dropped == 1);
  CHECK(out.dead_letters.empty());
}

TEST_CASE("A UTF-8 byte order mark before a line is ignored", "[decode]") {
  DecodeFixture fx;
  const DecodeOutput out = fx.batch("\xEF\xBB\xBF" + kGood + "\n");
  REQUIRE(out.traced.size() == 1);
  CHECK(out.traced[0]->raw() == kGood);
}

TEST_CASE("decodeFrame decodes one record even when it spans several lines", "[decode]") {
  DecodeFixture fx;
  const std::string frame =
      "{\n  \"trace_id\": \"4bf92f3577b34da6a3ce929d0e0e4736\",\n  \"msg\": \"pretty\"\n}\n";
  std::string buffer = frame + std::string(kPadding, '}');
  DecodeOutput out;
  fx.decoder().decodeFrame(std::string_view(buffer).substr(0, frame.size()), kReceived, out);
  REQUIRE(out.traced.size() == 1);
  CHECK(out.traced[0]->raw() == frame.substr(0, frame.size() - 1));
  CHECK(out.traced[0]->messageText() == "pretty");
}

// ---- policies ----

TEST_CASE("Policy keep passes untraced records on and drops undecodable lines", "[decode]") {
  DecodeFixture fx;
  const DecodeOutput out = fx.batch(kGood + "\n{\"msg\":\"plain\"}\nnot json\n");
  CHECK(out.traced.size() == 1);
  REQUIRE(out.untraced.size() == 1);
  CHECK(out.untraced[0]->messageText() == "plain");
  CHECK(out.stats.kept_untraced == 1);
  CHECK(out.stats.dropped == 1);
  CHECK(out.dead_letters.empty());
}

TEST_CASE("Policy drop counts untraced records and undecodable lines as drops", "[decode]") {
  DecodeConfig config;
  config.invalid_context = InvalidContextPolicy::kDrop;
  DecodeFixture fx(config);
  const DecodeOutput out = fx.batch(kGood + "\n{\"msg\":\"plain\"}\nnot json\n");
  CHECK(out.traced.size() == 1);
  CHECK(out.untraced.empty());
  CHECK(out.stats.dropped == 2);
  CHECK(out.stats.untraced == 1);
  CHECK(problems(out.stats, ContextProblem::kMissing) == 1);
}

TEST_CASE("Policy dead_letter hands over the raw line and the reason", "[decode]") {
  DecodeConfig config;
  config.invalid_context = InvalidContextPolicy::kDeadLetter;
  config.dead_letter_path = "/tmp/dead.ndjson";
  DecodeFixture fx(config);
  const DecodeOutput out =
      fx.batch(kGood + "\n{\"msg\":\"plain\"}\r\nnot json\n{\"trace_id\":\"abc\"}\n");
  CHECK(out.traced.size() == 1);
  CHECK(out.untraced.empty());
  REQUIRE(out.dead_letters.size() == 3);
  CHECK(out.dead_letters[0].line == "{\"msg\":\"plain\"}");
  CHECK(out.dead_letters[0].reason == "missing");
  CHECK(out.dead_letters[1].line == "not json");
  CHECK(out.dead_letters[1].reason == "malformed_json");
  CHECK(out.dead_letters[2].reason == "invalid_trace_id");
  CHECK(out.stats.dead_lettered == 3);
}

TEST_CASE("Decoding the same line twice gives identical records", "[decode]") {
  DecodeFixture fx;
  const std::string line =
      R"({"ts":"2024-05-01T12:00:00Z","msg":"a\tb","traceparent":)"
      R"("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","attrs":{"x":1}})";
  const auto a = fx.record(line);
  const auto b = fx.record(line);
  REQUIRE(a);
  REQUIRE(b);
  std::string bytes_a;
  std::string bytes_b;
  a->serialize(bytes_a);
  b->serialize(bytes_b);
  CHECK(bytes_a == bytes_b);
}

TEST_CASE("decodeLine accepts a trailing newline and reports blank lines as empty", "[decode]") {
  DecodeFixture fx;
  CHECK(fx.error("  \r\n") == DecodeError::kEmpty);
  CHECK(fx.stats().blank_lines == 1);
  const auto r = fx.record(kGood + "\r\n");
  REQUIRE(r);
  CHECK(r->raw() == kGood);
}

TEST_CASE("Decoding allocates nothing per record but the record itself", "[decode]") {
  // Every preset, escaped strings (unescaped into the builder's scratch area), untraced and
  // malformed lines.
  const std::string lines =
      kGood + "\n" +
      R"({"ts":"2024-05-01T12:00:00Z","msg":"a \"quoted\" \\ path","trace_id":)"
      R"("4bf92f3577b34da6a3ce929d0e0e4736","attrs":{"k":[1,2,{"x":"y"}]}})"
      "\n" +
      R"({"traceId":"5b8efff798038103d269b633813fc60c","body":{"stringValue":"x"},"resource":)"
      R"({"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]}})"
      "\n" +
      R"({"log.level":"info","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","message":"m"})"
      "\n" +
      R"({"dd":{"trace_id":"123","span_id":"456"},"msg":"dd"})"
      "\n" +
      R"({"msg":"untraced"})" + "\nnot json\n";
  std::string buffer = lines + std::string(kPadding, ' ');
  const std::string_view input(buffer.data(), lines.size());
  Decoder decoder{DecodeConfig{}};
  DecodeOutput out;
  out.traced.reserve(16);
  out.untraced.reserve(16);
  decoder.decodeLines(input, kReceived, out);  // warm-up: parser and scratch buffers grow once
  const std::size_t records = out.traced.size() + out.untraced.size();
  REQUIRE(records == 6);
  out.clear();
  const stitch::test::AllocationCounter counter;
  decoder.decodeLines(input, kReceived, out);
  CHECK(counter.count() == records);
}
