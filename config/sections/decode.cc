// `decode:`: how each received line becomes a record.
#include "config/sections/sections.h"
#include "core/decode/decode_config.h"

namespace stitch::config {

using decode::CustomFieldPaths;
using decode::DecodeConfig;
using decode::InputFormat;
using decode::InvalidContextPolicy;

void describe(EnumSchema<InputFormat>& e) {
  e.value("auto", InputFormat::kAuto)
      .value("canonical", InputFormat::kCanonical)
      .value("otel", InputFormat::kOtel)
      .value("ecs", InputFormat::kEcs)
      .value("datadog", InputFormat::kDatadog)
      .value("custom", InputFormat::kCustom);
}

void describe(EnumSchema<InvalidContextPolicy>& e) {
  e.value("keep", InvalidContextPolicy::kKeep)
      .value("drop", InvalidContextPolicy::kDrop)
      .value("dead_letter", InvalidContextPolicy::kDeadLetter);
}

void describe(Schema<CustomFieldPaths>& s) {
  const auto path = [&](std::string key, std::optional<std::string> CustomFieldPaths::*member,
                        std::string what) { s.field(std::move(key), member, std::move(what)); };
  path("trace_id", &CustomFieldPaths::trace_id, "Where the trace id is (32 lowercase hex).");
  path("span_id", &CustomFieldPaths::span_id, "Where the span id is (16 lowercase hex).");
  path("parent_span_id", &CustomFieldPaths::parent_span_id,
       "Where the parent span id is (16 lowercase hex).");
  path("traceparent", &CustomFieldPaths::traceparent, "Where a W3C traceparent value is.");
  path("tracestate", &CustomFieldPaths::tracestate, "Where a W3C tracestate value is.");
  path("trace_flags", &CustomFieldPaths::trace_flags,
       "Where the trace flags are (a number 0..255 or 2 hex digits).");
  path("service", &CustomFieldPaths::service, "Where the service name is.");
  path("operation", &CustomFieldPaths::operation, "Where the operation (span name) is.");
  path("timestamp", &CustomFieldPaths::timestamp,
       "Where the record's time is (RFC 3339, or epoch s/ms/us/ns told apart by magnitude).");
  path("start_time", &CustomFieldPaths::start_time, "Where a span's start time is.");
  path("duration_ms", &CustomFieldPaths::duration_ms, "Where a span's duration in ms is.");
  path("duration_ns", &CustomFieldPaths::duration_ns, "Where a span's duration in ns is.");
  path("status", &CustomFieldPaths::status,
       "Where the span status is (ok/error/unset, or an HTTP status code: 5xx is an error).");
  path("error", &CustomFieldPaths::error,
       "Where the error is (a message, true, or an object with a `message`).");
  path("level", &CustomFieldPaths::level,
       "Where the level is (a name such as `warn`, or a pino/bunyan number).");
  path("message", &CustomFieldPaths::message, "Where the log message is.");
  path("attributes", &CustomFieldPaths::attributes,
       "Where the attributes are (an object, or an OTLP attribute list).");
}

void describe(Schema<DecodeConfig>& s) {
  s.field("format", &DecodeConfig::format,
          "How keys are read: `auto` recognises canonical, OpenTelemetry, Elastic ECS and "
          "Datadog records per record; the others force one preset; `custom` uses `fields` "
          "over automatic detection. See docs/record-format.md.");
  s.size("max_record_bytes", &DecodeConfig::max_record_bytes,
         "Longest line accepted, without its newline; longer ones are dropped (or "
         "dead-lettered) and counted as too_large before any parsing.")
      .min(2)
      .max(std::uint64_t{DecodeConfig::kMaxMaxRecordBytes});
  s.field("max_depth", &DecodeConfig::max_depth,
          "Deepest nesting of objects and arrays accepted in a record (the record itself is "
          "depth 1); deeper records are counted as too_deep.")
      .min(1)
      .max(DecodeConfig::kMaxMaxDepth);
  s.field("invalid_context", &DecodeConfig::invalid_context,
          "Records without a valid trace context: `keep` them as untraced logs, `drop` them, or "
          "write them to `dead_letter_path` (with `dead_letter`, lines that are not JSON objects "
          "go there too). Every case is counted by reason.");
  s.field("dead_letter_path", &DecodeConfig::dead_letter_path,
          "File that receives dead letters, one raw line each; required with "
          "`invalid_context: dead_letter`.");
  s.field("fields", &DecodeConfig::fields,
          "Field paths that override the presets: a path present in a record wins over the "
          "preset's field; `null` leaves the preset's. A path is dotted: `ctx.trace` matches "
          "{\"ctx\": {\"trace\": ..}} and {\"ctx.trace\": ..}. `format: custom` needs one.");
}

void describeDecodeSection(Schema<StitchConfig>& s) {
  s.field("decode", &StitchConfig::decode, "How each received line becomes a record.");
}

}  // namespace stitch::config
