// The field-mapping presets, each with lines shaped like what real libraries write.
#include <string>

#include <catch2/catch.hpp>

#include "core/decode/decoder.h"
#include "core/decode/severity.h"
#include "tests/unit/core/decode/decode_test_util.h"

using namespace stitch;
using namespace stitch::decode;
using stitch::decode::test::DecodeFixture;
using stitch::decode::test::hexOf;
using stitch::decode::test::kReceived;
using stitch::record::ContextProblem;
using stitch::record::Format;
using stitch::record::Status;
namespace flag = stitch::record::flag;

namespace {

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpanId = "00f067aa0ba902b7";
constexpr TimestampNs kMay1Noon = 1'714'564'800'000'000'000;  // 2024-05-01T12:00:00Z

}  // namespace

// ---- canonical: the founding guide's services and gen_logs.py ----

TEST_CASE("A line of gen_logs.py decodes into every field it carries", "[decode]") {
  DecodeFixture fx;
  const std::string line =
      R"({"ts":"2024-05-01T12:00:00.000103099Z","level":"INFO","service":"inventory",)"
      R"("msg":"export C:\\tmp\\SKU-46105.csv\tdone","traceparent":)"
      R"("00-4dcabfb7001a9a8bd56f03508c459ce2-c51155ffe7a37e81-01","span_id":"c51155ffe7a37e81",)"
      R"("parent_span_id":null,"duration_ms":116.797,"status":200,"attrs":{"http.route":)"
      R"("/api/v1/payments/{id}/capture","http.method":"PUT"}})";
  const auto r = fx.record(line);
  REQUIRE(r);
  CHECK(r->raw() == line);
  CHECK(r->format == Format::kCanonical);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == "4dcabfb7001a9a8bd56f03508c459ce2");
  CHECK(hexOf(r->span_id) == "c51155ffe7a37e81");
  CHECK_FALSE(r->parent_span_id.isValid());  // null: a root span
  CHECK(r->trace_flags == 0x01);
  CHECK((r->flags & flag::kHasTraceFlags) != 0);
  CHECK((r->flags & flag::kHasTraceparentField) != 0);
  CHECK((r->flags & flag::kTraceparentConflict) == 0);
  CHECK(r->timestamp_ns == kMay1Noon + 103'099);
  CHECK(r->duration_ns == 116'797'000);
  CHECK(r->start_ns == r->timestamp_ns - 116'797'000);
  CHECK(r->isSpan());
  CHECK(r->status == Status::kUnset);  // HTTP 200 says nothing about the span
  CHECK(r->severity_number == kSeverityInfo);
  CHECK(r->severityText() == "INFO");
  CHECK(r->serviceName() == "inventory");
  CHECK(r->messageText() == "export C:\\tmp\\SKU-46105.csv\tdone");  // unescaped
  CHECK(r->attributesJson() ==
        R"({"http.route":"/api/v1/payments/{id}/capture","http.method":"PUT"})");
}

TEST_CASE("gen_logs.py child spans keep their parent and an HTTP 5xx marks an error", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"ts":"2024-05-01T12:00:00.000204686Z","level":"ERROR","service":"checkout",)"
      R"("msg":"user \"u487575\" logged in from 10.1.2.3","traceparent":)"
      R"("00-4dcabfb7001a9a8bd56f03508c459ce2-14f7ce8dd5bcb8d0-01","span_id":"14f7ce8dd5bcb8d0",)"
      R"("parent_span_id":"c51155ffe7a37e81","duration_ms":31.011,"status":503,"attrs":{}})");
  REQUIRE(r);
  CHECK(hexOf(r->parent_span_id) == "c51155ffe7a37e81");
  CHECK(r->status == Status::kError);
  CHECK(r->severity_number == kSeverityError);
  CHECK(r->messageText() == "user \"u487575\" logged in from 10.1.2.3");
  CHECK(r->attributesJson() == "{}");
}

TEST_CASE("The guide's span record takes parent_id as its own span id", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","parent_id":"00f067aa0ba902b7",)"
                R"("service":"payment-service","operation":"process_payment","duration_ms":850})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == kTraceId);
  CHECK(hexOf(r->span_id) == kSpanId);
  CHECK_FALSE(r->parent_span_id.isValid());
  CHECK((r->flags & flag::kSpanIdFromParentId) != 0);
  CHECK((r->flags & flag::kHasTraceFlags) == 0);  // id fields without flags: flags unknown
  CHECK(r->serviceName() == "payment-service");
  CHECK(r->operationName() == "process_payment");
  CHECK(r->duration_ns == 850 * kNanosPerMilli);
  // No timestamp: the receive time, and the span started 850 ms before it.
  CHECK(r->timestamp_ns == kReceived);
  CHECK((r->flags & flag::kTimestampFromReceive) != 0);
  CHECK(r->start_ns == kReceived - 850 * kNanosPerMilli);
  CHECK(fx.stats().timestamps_missing == 1);
}

TEST_CASE("With span_id present, the guide's parent_id is the parent span", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"a1b2c3d4e5f6a7b8",)"
                R"("parent_id":"00f067aa0ba902b7","duration_ms":60})");
  REQUIRE(r);
  CHECK(hexOf(r->span_id) == "a1b2c3d4e5f6a7b8");
  CHECK(hexOf(r->parent_span_id) == kSpanId);
  CHECK((r->flags & flag::kSpanIdFromParentId) == 0);
}

TEST_CASE("The guide's error span records status error and the error message", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","parent_id":"00f067aa0ba902b7",)"
      R"("service":"api-gateway","operation":"checkout","duration_ms":1203,"status":"error",)"
      R"("error":"connect ECONNREFUSED 10.0.0.7:443"})");
  REQUIRE(r);
  CHECK(r->status == Status::kError);
  CHECK(r->errorText() == "connect ECONNREFUSED 10.0.0.7:443");
}

TEST_CASE("The guide's structured log line is a log event of its span", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(R"({"level":"info","message":"Processing request","trace_id":)"
                           R"("4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",)"
                           R"("timestamp":"2024-05-01T12:00:00.123Z"})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK_FALSE(r->isSpan());
  CHECK(r->duration_ns == -1);
  CHECK(r->timestamp_ns == kMay1Noon + 123 * kNanosPerMilli);
  CHECK(r->endNs() == r->timestamp_ns);
  CHECK(r->messageText() == "Processing request");
  CHECK(r->severity_number == kSeverityInfo);
}

TEST_CASE("name is the operation, except in pino and bunyan records where it is the logger",
          "[decode]") {
  DecodeFixture fx;
  auto r = fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","name":"GET /cart"})");
  REQUIRE(r);
  CHECK(r->operationName() == "GET /cart");
  // bunyan: {"name":..,"hostname":..,"pid":..,"level":30,"msg":..,"time":..,"v":0}
  r = fx.record(
      R"({"name":"cart-service","hostname":"web-1","pid":4242,"level":30,"msg":"hi",)"
      R"("time":"2024-05-01T12:00:00.000Z","v":0,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  REQUIRE(r);
  CHECK(r->operationName().empty());
  CHECK(r->serviceName() == "cart-service");
  CHECK(r->severity_number == kSeverityInfo);
  CHECK(r->timestamp_ns == kMay1Noon);
}

TEST_CASE("pino's numeric levels and epoch-millisecond time decode", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"level":50,"time":1714564800123,"pid":4242,"hostname":"web-1","msg":"failed",)"
                R"("err":{"type":"Error","message":"boom","stack":"Error: boom\n    at x"}})");
  REQUIRE(r);
  CHECK(r->severity_number == kSeverityError);
  CHECK(r->severityText().empty());
  CHECK(r->timestamp_ns == kMay1Noon + 123 * kNanosPerMilli);
  CHECK(r->errorText() == "boom");
  CHECK(r->status == Status::kError);
  CHECK(r->context == ContextProblem::kMissing);
}

TEST_CASE("winston JSON lines decode, with an error given as an object", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"level":"warn","message":"slow upstream","timestamp":"2024-05-01T12:00:00.500Z",)"
      R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",)"
      R"("trace_flags":"01","error":{"message":"timeout after 5s","code":"ETIMEDOUT"}})");
  REQUIRE(r);
  CHECK(r->severity_number == kSeverityWarn);
  CHECK(r->errorText() == "timeout after 5s");
  CHECK(r->status == Status::kError);
  CHECK(r->trace_flags == 0x01);
  CHECK((r->flags & flag::kHasTraceFlags) != 0);
}

TEST_CASE("Status words are read case-insensitively, OpenTelemetry's names too", "[decode]") {
  DecodeFixture fx;
  const auto status = GENERATE(
      as<std::pair<std::string, Status>>{}, std::pair{"ok", Status::kOk},
      std::pair{"OK", Status::kOk}, std::pair{"Error", Status::kError},
      std::pair{"STATUS_CODE_ERROR", Status::kError}, std::pair{"STATUS_CODE_OK", Status::kOk},
      std::pair{"UNSET", Status::kUnset}, std::pair{"teapot", Status::kUnset},
      std::pair{"500", Status::kError}, std::pair{"404", Status::kUnset});
  CAPTURE(status.first);
  const auto r = fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","status":")" +
                           status.first + R"("})");
  REQUIRE(r);
  CHECK(r->status == status.second);
}

TEST_CASE("An explicit ok status wins over an error field; error true alone marks an error",
          "[decode]") {
  DecodeFixture fx;
  auto r = fx.record(R"({"status":"ok","error":"retried"})");
  REQUIRE(r);
  CHECK(r->status == Status::kOk);
  CHECK(r->errorText() == "retried");
  r = fx.record(R"({"error":true})");
  REQUIRE(r);
  CHECK(r->status == Status::kError);
  r = fx.record(R"({"error":false,"status":204})");
  REQUIRE(r);
  CHECK(r->status == Status::kUnset);
}

TEST_CASE("Trace flags are read as a number or as hex digits", "[decode]") {
  DecodeFixture fx;
  const auto flags =
      GENERATE(as<std::pair<std::string, int>>{}, std::pair{"1", 1}, std::pair{"0", 0},
               std::pair{"\"01\"", 1}, std::pair{"\"03\"", 3}, std::pair{"\"ff\"", 255},
               std::pair{"256", -1}, std::pair{"\"zz\"", -1}, std::pair{"1.5", -1});
  CAPTURE(flags.first);
  const auto r =
      fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",)"
                R"("trace_flags":)" +
                flags.first + "}");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  if (flags.second < 0) {
    CHECK((r->flags & flag::kHasTraceFlags) == 0);
    CHECK(fx.stats().trace_flags_invalid == 1);
  } else {
    CHECK((r->flags & flag::kHasTraceFlags) != 0);
    CHECK(r->trace_flags == flags.second);
  }
}

// ---- OpenTelemetry ----

TEST_CASE("An OTLP/JSON log record decodes with its AnyValue body and attribute list", "[decode]") {
  DecodeFixture fx;
  const std::string line =
      R"({"timeUnixNano":"1714564800123456789","observedTimeUnixNano":"1714564800200000000",)"
      R"("severityNumber":17,"severityText":"ERROR","body":{"stringValue":"payment failed"},)"
      R"("attributes":[{"key":"http.route","value":{"stringValue":"/pay"}},{"key":"retry",)"
      R"("value":{"intValue":"3"}}],"droppedAttributesCount":0,"flags":1,)"
      R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]}})";
  const auto r = fx.record(line);
  REQUIRE(r);
  CHECK(r->format == Format::kOtel);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == "5b8efff798038103d269b633813fc60c");
  CHECK(hexOf(r->span_id) == "eee19b7ec3c1b174");
  CHECK(r->trace_flags == 1);
  CHECK((r->flags & flag::kHasTraceFlags) != 0);
  CHECK(r->timestamp_ns == 1'714'564'800'123'456'789);
  CHECK(r->severity_number == 17);
  CHECK(r->severityText() == "ERROR");
  CHECK(r->messageText() == "payment failed");
  CHECK(r->serviceName() == "payments");
  CHECK(r->attributesJson() ==
        R"([{"key":"http.route","value":{"stringValue":"/pay"}},{"key":"retry",)"
        R"("value":{"intValue":"3"}}])");
  CHECK(r->resourceJson() ==
        R"({"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]})");
}

TEST_CASE("OTLP's timeUnixNano of 0 falls back to observedTimeUnixNano", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"timeUnixNano":"0","observedTimeUnixNano":"1714564800000000042","body":{"stringValue":"x"}})");
  REQUIRE(r);
  CHECK(r->timestamp_ns == kMay1Noon + 42);
  CHECK((r->flags & (flag::kBadTimestamp | flag::kTimestampFromReceive)) == 0);
}

TEST_CASE("The OpenTelemetry Python SDK's LogRecord.to_json() line decodes", "[decode]") {
  DecodeFixture fx;
  // json.dumps' default separators (", " and ": "), ids with "0x", resource with attributes.
  const auto r = fx.record(
      R"({"body": "Jail zesty vixen", "severity_number": 13, "severity_text": "WARN", )"
      R"("attributes": {"code.filepath": "/app/example.py", "code.lineno": 47}, )"
      R"("dropped_attributes": 0, "timestamp": "2024-05-01T12:00:00.315152Z", )"
      R"("observed_timestamp": "2024-05-01T12:00:00.315179Z", "trace_id": )"
      R"("0x5b8efff798038103d269b633813fc60c", "span_id": "0xeee19b7ec3c1b174", )"
      R"("trace_flags": 1, "resource": {"attributes": {"telemetry.sdk.language": "python", )"
      R"("service.name": "shoppingcart"}, "schema_url": ""}, "event_name": ""})");
  REQUIRE(r);
  CHECK(r->format == Format::kOtel);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == "5b8efff798038103d269b633813fc60c");
  CHECK(hexOf(r->span_id) == "eee19b7ec3c1b174");
  CHECK(r->trace_flags == 1);
  CHECK(r->severity_number == kSeverityWarn);
  CHECK(r->messageText() == "Jail zesty vixen");
  CHECK(r->serviceName() == "shoppingcart");
  CHECK(r->timestamp_ns == kMay1Noon + 315'152'000);
  CHECK(r->attributesJson() == R"({"code.filepath": "/app/example.py", "code.lineno": 47})");
}

TEST_CASE("An OTel record outside any span (no ids, empty strings) is a counted untraced log",
          "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"body": "startup", "severity_text": "INFO", "trace_id": "", "span_id": "", )"
                R"("trace_flags": null, "resource": {"service.name": "cart"}})");
  REQUIRE(r);
  CHECK(r->context == ContextProblem::kMissing);
  CHECK(r->serviceName() == "cart");  // the flat resource shape
  CHECK(fx.stats().context_problems[static_cast<std::size_t>(ContextProblem::kMissing)] == 1);
}

TEST_CASE("OTel's structured body and SEVERITY_NUMBER names decode", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"traceId":"5b8efff798038103d269b633813fc60c","severityNumber":"SEVERITY_NUMBER_WARN2",)"
      R"("body":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}}})");
  REQUIRE(r);
  CHECK(r->severity_number == 14);
  CHECK(r->messageText() ==
        R"({"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}})");
  CHECK_FALSE(r->span_id.isValid());  // a trace-level log
}

// ---- Elastic ECS ----

TEST_CASE("ecs-pino-format lines with the APM agent's dotted keys decode", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"log.level":"info","@timestamp":"2024-05-01T12:00:00.123Z","process.pid":4242,)"
                R"("host.hostname":"web-1","ecs.version":"8.10.0","service.name":"checkout",)"
                R"("service.version":"1.2.3","event.dataset":"checkout","trace.id":)"
                R"("4bf92f3577b34da6a3ce929d0e0e4736","transaction.id":"00f067aa0ba902b7",)"
                R"("message":"order placed"})");
  REQUIRE(r);
  CHECK(r->format == Format::kEcs);
  CHECK(hexOf(r->trace_id) == kTraceId);
  CHECK(hexOf(r->span_id) == kSpanId);  // the transaction is the current span
  CHECK(r->serviceName() == "checkout");
  CHECK(r->messageText() == "order placed");
  CHECK(r->severity_number == kSeverityInfo);
  CHECK(r->severityText() == "info");
  CHECK(r->timestamp_ns == kMay1Noon + 123 * kNanosPerMilli);
}

TEST_CASE("ecs-logging-python's nested objects decode like dotted keys", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"@timestamp":"2024-05-01T12:00:00.123Z","log.level":"error","message":"boom",)"
      R"("ecs":{"version":"1.6.0"},"error":{"message":"division by zero","type":)"
      R"("ZeroDivisionError","stack_trace":"Traceback..."},"log":{"logger":"app","origin":)"
      R"({"file":{"line":10,"name":"app.py"},"function":"main"},"original":"boom"},)"
      R"("process":{"name":"MainProcess","pid":1},"service":{"name":"orders"},)"
      R"("span":{"id":"a1b2c3d4e5f6a7b8"},"trace":{"id":"4bf92f3577b34da6a3ce929d0e0e4736"},)"
      R"("transaction":{"id":"00f067aa0ba902b7"}})");
  REQUIRE(r);
  CHECK(r->format == Format::kEcs);
  CHECK(hexOf(r->trace_id) == kTraceId);
  CHECK(hexOf(r->span_id) == "a1b2c3d4e5f6a7b8");  // span.id wins over transaction.id
  CHECK(r->serviceName() == "orders");
  CHECK(r->errorText() == "division by zero");
  CHECK(r->status == Status::kError);
  CHECK(r->severity_number == kSeverityError);
}

TEST_CASE("ECS event.duration (ns), event.outcome and parent.id describe a span", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"@timestamp":"2024-05-01T12:00:01Z","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
      R"("span.id":"a1b2c3d4e5f6a7b8","parent.id":"00f067aa0ba902b7","span.name":"SELECT",)"
      R"("event.duration":1500000,"event.outcome":"success","labels":{"tenant":"acme"}})");
  REQUIRE(r);
  CHECK(r->duration_ns == 1'500'000);
  CHECK(r->start_ns == kMay1Noon + kNanosPerSecond - 1'500'000);
  CHECK(hexOf(r->parent_span_id) == kSpanId);
  CHECK(r->operationName() == "SELECT");
  CHECK(r->status == Status::kOk);
  CHECK(r->attributesJson() == R"({"tenant":"acme"})");
}

// ---- Datadog ----

TEST_CASE("dd-trace-js log injection into pino converts decimal ids to hex", "[decode]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"level":30,"time":1714564800123,"pid":4242,"hostname":"web-1","dd":{"trace_id":)"
      R"("1234567890123456789","span_id":"987654321","service":"checkout","version":"1.2.3",)"
      R"("env":"prod"},"msg":"order placed"})");
  REQUIRE(r);
  CHECK(r->format == Format::kDatadog);
  CHECK(r->hasTraceContext());
  CHECK(hexOf(r->trace_id) == "0000000000000000112210f47de98115");
  CHECK(hexOf(r->span_id) == "000000003ade68b1");
  CHECK((r->flags & flag::kHasTraceFlags) == 0);
  CHECK(r->serviceName() == "checkout");
  CHECK(r->messageText() == "order placed");
  CHECK(r->severity_number == kSeverityInfo);
}

TEST_CASE("Datadog's _dd.p.tid gives the upper 64 bits of the trace id", "[decode]") {
  DecodeFixture fx;
  const auto r =
      fx.record(R"({"message":"hi","dd.trace_id":"1234567890123456789","dd.span_id":"1",)"
                R"("_dd.p.tid":"663a1b2c00000000","dd.service":"web","status":"warn"})");
  REQUIRE(r);
  CHECK(hexOf(r->trace_id) == "663a1b2c00000000112210f47de98115");
  CHECK(hexOf(r->span_id) == "0000000000000001");
  // Datadog's reserved "status" attribute is the log level, not a span status.
  CHECK(r->severity_number == kSeverityWarn);
  CHECK(r->status == Status::kUnset);
  CHECK(r->serviceName() == "web");
}

TEST_CASE("Datadog ids as JSON numbers, 128-bit hex trace ids and range limits", "[decode]") {
  DecodeFixture fx;
  auto r = fx.record(R"({"dd":{"trace_id":18446744073709551615,"span_id":42}})");
  REQUIRE(r);
  CHECK(hexOf(r->trace_id) == "0000000000000000ffffffffffffffff");
  CHECK(hexOf(r->span_id) == "000000000000002a");
  r = fx.record(R"({"dd.trace_id":"663a1b2c00000000112210f47de98115","dd.span_id":"7"})");
  REQUIRE(r);
  CHECK(hexOf(r->trace_id) == "663a1b2c00000000112210f47de98115");
  r = fx.record(R"({"dd.trace_id":"18446744073709551616","dd.span_id":"7"})");  // 2^64
  REQUIRE(r);
  CHECK(r->context == ContextProblem::kInvalidTraceId);
  r = fx.record(R"({"dd.trace_id":"-5","dd.span_id":"7"})");
  REQUIRE(r);
  CHECK(r->context == ContextProblem::kInvalidTraceId);
  r = fx.record(R"({"dd.trace_id":"0","dd.span_id":"0"})");  // dd-trace outside a span
  REQUIRE(r);
  CHECK(r->context == ContextProblem::kZeroTraceId);
}

// ---- custom field paths ----

TEST_CASE("Custom field paths read nested, dotted and mixed keys", "[decode]") {
  DecodeConfig config;
  config.format = InputFormat::kCustom;
  config.fields.trace_id = "ctx.trace";
  config.fields.span_id = "ctx.span.id";
  config.fields.service = "app";
  config.fields.message = "@m";
  config.fields.timestamp = "@t";
  config.fields.level = "@l";
  config.fields.duration_ms = "Elapsed";
  DecodeFixture fx(config);
  const std::string trace(kTraceId);
  for (const std::string& line : {
           R"({"@t":"2024-05-01T12:00:00Z","@l":"Warning","@m":"slow","app":"cart","Elapsed":2.5,)"
           R"("ctx":{"trace":")" +
               trace + R"(","span":{"id":"00f067aa0ba902b7"}}})",
           R"({"@t":"2024-05-01T12:00:00Z","@l":"Warning","@m":"slow","app":"cart","Elapsed":2.5,)"
           R"("ctx.trace":")" +
               trace + R"(","ctx.span.id":"00f067aa0ba902b7"})",
           R"({"@t":"2024-05-01T12:00:00Z","@l":"Warning","@m":"slow","app":"cart","Elapsed":2.5,)"
           R"("ctx":{"trace":")" +
               trace + R"(","span.id":"00f067aa0ba902b7"}})",
       }) {
    CAPTURE(line);
    const auto r = fx.record(line);
    REQUIRE(r);
    CHECK(r->format == Format::kCustom);
    CHECK(hexOf(r->trace_id) == kTraceId);
    CHECK(hexOf(r->span_id) == kSpanId);
    CHECK(r->serviceName() == "cart");
    CHECK(r->messageText() == "slow");
    CHECK(r->timestamp_ns == kMay1Noon);
    CHECK(r->severity_number == kSeverityWarn);
    CHECK(r->duration_ns == 2'500'000);
  }
}

TEST_CASE("A custom path overrides the preset's field when present, and only then", "[decode]") {
  DecodeConfig config;
  config.fields.message = "event";
  config.fields.trace_id = "req.trace";
  DecodeFixture fx(config);
  auto r = fx.record(
      R"({"message":"preset","event":"custom","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  REQUIRE(r);
  CHECK(r->messageText() == "custom");
  CHECK(r->format == Format::kCanonical);  // custom paths with format auto keep the label
  r = fx.record(R"({"message":"preset","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  REQUIRE(r);
  CHECK(r->messageText() == "preset");
  CHECK(r->hasTraceContext());
  r = fx.record(
      R"({"req":{"trace":"11111111111111111111111111111111"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  REQUIRE(r);
  CHECK(hexOf(r->trace_id) == "11111111111111111111111111111111");
}

TEST_CASE("A custom path can point into an OTLP attribute list", "[decode]") {
  DecodeConfig config;
  config.fields.service = "attributes.app.name";
  DecodeFixture fx(config);
  const auto r = fx.record(
      R"({"attributes":[{"key":"other","value":{"stringValue":"x"}},{"value":{"stringValue":)"
      R"("shop"},"key":"app.name"}]})");
  REQUIRE(r);
  CHECK(r->serviceName() == "shop");
}

// ---- detection and explicit formats ----

TEST_CASE("Formats mixed in one stream are each recognised", "[decode]") {
  DecodeFixture fx;
  const DecodeOutput out = fx.batch(
      R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","msg":"a"})"
      "\n"
      R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","body":"b"})"
      "\n"
      R"({"trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","span.id":"00f067aa0ba902b7","message":"c"})"
      "\n"
      R"({"dd.trace_id":"1","dd.span_id":"2","message":"d"})"
      "\n"
      R"({"message":"e"})"
      "\n");
  REQUIRE(out.traced.size() == 4);
  REQUIRE(out.untraced.size() == 1);
  CHECK(out.traced[0]->format == Format::kCanonical);
  CHECK(out.traced[1]->format == Format::kOtel);
  CHECK(out.traced[2]->format == Format::kEcs);
  CHECK(out.traced[3]->format == Format::kDatadog);
  CHECK(out.untraced[0]->format == Format::kCanonical);
  CHECK(out.stats.formats[static_cast<std::size_t>(Format::kCanonical)] == 2);
  CHECK(out.stats.formats[static_cast<std::size_t>(Format::kOtel)] == 1);
  CHECK(out.stats.formats[static_cast<std::size_t>(Format::kEcs)] == 1);
  CHECK(out.stats.formats[static_cast<std::size_t>(Format::kDatadog)] == 1);
  for (const auto& r : out.traced) {
    CHECK(r->messageText().size() == 1);
  }
}

TEST_CASE("An explicit format reads only its own preset's trace-context keys", "[decode]") {
  DecodeConfig config;
  config.format = InputFormat::kCanonical;
  DecodeFixture fx(config);
  auto r = fx.record(R"({"trace.id":"4bf92f3577b34da6a3ce929d0e0e4736","message":"x"})");
  REQUIRE(r);
  CHECK(r->format == Format::kCanonical);
  CHECK(r->context == ContextProblem::kMissing);
  CHECK(r->messageText() == "x");  // common keys are read by every preset
  r = fx.record(R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());  // traceparent belongs to every preset
}

TEST_CASE("The demo services' span records (deploy/demo) decode with start_time and duration",
          "[decode]") {
  // JSON.stringify({timestamp: new Date().toISOString(), ...record}) as lib/stitchlog.mjs does.
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"timestamp":"2024-05-01T12:00:01.530Z","level":"error","message":"POST /pay failed",)"
      R"("service":"payment","operation":"POST /pay","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
      R"("span_id":"a1b2c3d4e5f6a7b8","parent_span_id":"00f067aa0ba902b7","traceparent":)"
      R"("00-4bf92f3577b34da6a3ce929d0e0e4736-a1b2c3d4e5f6a7b8-03","start_time":)"
      R"("2024-05-01T12:00:00.000Z","duration_ms":1530,"status":"error","attributes":)"
      R"({"http.url":"http://127.0.0.1:4001/pay","http.status_code":502},"tracestate":)"
      R"("demo=gateway","error":"bank declined"})");
  REQUIRE(r);
  CHECK(r->hasTraceContext());
  CHECK((r->flags & flag::kTraceparentConflict) == 0);
  CHECK(r->trace_flags == 0x03);
  CHECK(hexOf(r->parent_span_id) == kSpanId);
  CHECK(r->start_ns == kMay1Noon);
  CHECK(r->duration_ns == 1530 * kNanosPerMilli);
  CHECK(r->timestamp_ns == kMay1Noon + 1530 * kNanosPerMilli);
  CHECK(r->endNs() == r->timestamp_ns);
  CHECK(r->status == Status::kError);
  CHECK(r->errorText() == "bank declined");
  CHECK(r->tracestateText() == "demo=gateway");
  CHECK(r->operationName() == "POST /pay");
}

TEST_CASE("A custom name path that holds an object falls back to the preset", "[decode]") {
  DecodeConfig config;
  config.fields.service = "service";
  DecodeFixture fx(config);
  auto r = fx.record(R"({"service":{"name":"orders"}})");
  REQUIRE(r);
  CHECK(r->serviceName() == "orders");
  r = fx.record(R"({"service":"cart"})");
  REQUIRE(r);
  CHECK(r->serviceName() == "cart");
}

TEST_CASE("A custom error path may name an error object with a message", "[decode]") {
  DecodeConfig config;
  config.fields.error = "exception";
  DecodeFixture fx(config);
  auto r = fx.record(R"({"exception":{"type":"IOError","message":"disk full"}})");
  REQUIRE(r);
  CHECK(r->status == Status::kError);
  CHECK(r->errorText() == "disk full");
  r = fx.record(R"({"exception":"plain text"})");
  REQUIRE(r);
  CHECK(r->errorText() == "plain text");
}
