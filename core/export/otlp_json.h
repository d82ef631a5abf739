#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/export/export_item.h"
#include "core/export/exporter_config.h"

namespace stitch::exporting {

// OTLP/JSON encoding of export items: ExportTraceServiceRequest for spans (POST /v1/traces)
// and ExportLogsServiceRequest for log records (POST /v1/logs), following the OTLP
// specification's JSON Protobuf Encoding: lowerCamelCase field names, enums as integers,
// 64-bit integers (times, intValue) as decimal strings, trace and span ids as lowercase hex,
// fields with default values left out. docs/exporters.md has the full field mapping.

enum class OtlpSignal : std::uint8_t { kTraces, kLogs };

// The OTLP enum values written (integers, never names).
namespace otlp {
inline constexpr int kSpanKindInternal = 1;
inline constexpr int kSpanKindServer = 2;
inline constexpr int kSpanKindClient = 3;
inline constexpr int kSpanKindProducer = 4;
inline constexpr int kSpanKindConsumer = 5;
inline constexpr int kStatusUnset = 0;
inline constexpr int kStatusOk = 1;
inline constexpr int kStatusError = 2;
inline constexpr int kSeverityError = 17;  // SEVERITY_NUMBER_ERROR
}  // namespace otlp

// One HTTP request body.
struct OtlpRequest {
  OtlpSignal signal = OtlpSignal::kTraces;
  std::string body;
  std::uint32_t spans = 0;        // Span messages in the body (span records, synthetic spans)
  std::uint32_t log_records = 0;  // LogRecord messages in the body
  // stitch records this request delivers. Each exported record is counted in exactly one
  // request: with LogEventMode::kBoth a log event is counted by its log record, not by the
  // copy in its span's events.
  std::uint32_t records = 0;
};

struct OtlpEncoderOptions {
  LogEventMode log_events = LogEventMode::kLogRecords;
  bool traces = true;  // false: span records are skipped (counted), no span requests
  bool logs = true;    // false: records that would become LogRecords are skipped (counted)
  // Bodies are split so as not to exceed this; a single span bigger than it goes alone.
  std::size_t max_request_bytes = 4ULL << 20;
};

struct OtlpEncoderStats {
  std::uint64_t skipped_records = 0;   // records whose signal is not sent
  std::uint64_t attribute_errors = 0;  // attributes or resource text that was not a JSON object
  std::uint64_t synthetic_spans = 0;   // spans made for span ids known only from log events
};

// Threading: one instance per exporter worker (it owns a simdjson parser and scratch space).
class OtlpEncoder {
public:
  explicit OtlpEncoder(const OtlpEncoderOptions& options);
  ~OtlpEncoder();
  OtlpEncoder(const OtlpEncoder&) = delete;
  OtlpEncoder& operator=(const OtlpEncoder&) = delete;

  // Appends the requests for `items` to `out`: span requests first, then log requests. No
  // request is empty. Records of one trace may be split across requests only when the trace
  // does not fit in max_request_bytes.
  void encode(std::span<const ExportItem> items, std::vector<OtlpRequest>& out);

  const OtlpEncoderStats& stats() const noexcept { return stats_; }
  const OtlpEncoderOptions& options() const noexcept { return options_; }

private:
  class Impl;
  OtlpEncoderOptions options_;
  OtlpEncoderStats stats_;
  std::unique_ptr<Impl> impl_;
};

// Converts the members of a JSON object to OTLP KeyValue objects, appended to `out` separated
// by commas (a comma first when `out_has_items`): strings become stringValue, integers
// intValue (a decimal string), integers beyond int64 stringValue (lossless), other numbers
// doubleValue, booleans boolValue, arrays arrayValue, objects kvlistValue, null an empty
// AnyValue. Values nested deeper than kMaxAttributeDepth become the stringValue of their JSON.
// Returns the number of KeyValues written, or -1 (and `out` unchanged) when `json` is not
// one valid JSON object. Uses its own simdjson parser.
// Threading: one instance per thread.
class OtlpAttributeConverter {
public:
  static constexpr int kMaxAttributeDepth = 8;

  OtlpAttributeConverter();
  ~OtlpAttributeConverter();
  OtlpAttributeConverter(const OtlpAttributeConverter&) = delete;
  OtlpAttributeConverter& operator=(const OtlpAttributeConverter&) = delete;

  // `skip_key`: a member left out (e.g. "service.name" when the resource already has it).
  // `span_kind`: when not null, a top-level "span.kind" string member naming a span kind
  // ("server", "client", "producer", "consumer", "internal", any case, or "SPAN_KIND_...") is
  // stored there (as an otlp::kSpanKind* value) instead of being written.
  int appendKeyValues(std::string_view json,
                      std::string& out,
                      bool out_has_items,
                      std::string_view skip_key = {},
                      int* span_kind = nullptr);

private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends {"key":<key>,"value":{"stringValue":<value>}} (and the like) to `out`.
void appendStringKeyValue(std::string& out, std::string_view key, std::string_view value);
void appendBoolKeyValue(std::string& out, std::string_view key, bool value);

}  // namespace stitch::exporting
