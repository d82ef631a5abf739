#pragma once

// Test helpers: records built the way a decoder would build them, and a small attribute lookup
// over flat JSON objects (the daemon injects the real decoder's).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record/record.h"
#include "core/sampling/attribute_lookup.h"

namespace stitch::test {

using record::RecordPtr;
using tracecontext::SpanId;
using tracecontext::TraceId;

inline constexpr TimestampNs kBaseNs = 1'714'564'800 * kNanosPerSecond;

inline TraceId traceId(std::string_view hex) {
  return *TraceId::fromHex(hex);
}
inline SpanId spanId(std::string_view hex) {
  return *SpanId::fromHex(hex);
}
// A trace id whose randomness (low 56 bits) is `randomness`.
inline TraceId traceWithRandomness(std::uint64_t hi, std::uint64_t randomness) {
  return TraceId{hi, randomness & TraceId::kRandomMask};
}

struct RecordSpec {
  TraceId trace;  // all-zero: an untraced record
  SpanId span;
  SpanId parent;
  TimestampNs start_ns = kBaseNs;  // span start, or the event's time
  std::int64_t duration_ms = -1;   // -1: a log event, not a span
  std::string service = "svc";
  std::string operation;
  std::string message = "hello";
  record::Status status = record::Status::kUnset;
  std::uint8_t severity = 9;                // INFO
  std::optional<std::uint8_t> trace_flags;  // nullopt: the record carried none
  std::string tracestate;
  std::string attributes;  // a flat JSON object, e.g. {"http.route":"/a","retry":2}
  std::size_t pad_to = 0;  // pads the raw line to at least this many bytes
};

RecordPtr makeRecord(const RecordSpec& spec);

// A span record (duration in ms) of trace `trace`.
RecordPtr makeSpan(const TraceId& trace,
                   std::uint64_t span,
                   std::uint64_t parent,
                   std::int64_t start_ms,
                   std::int64_t duration_ms,
                   std::string service = "svc",
                   std::string operation = "op");
// A log event of span `span` at `at_ms`.
RecordPtr makeEvent(const TraceId& trace,
                    std::uint64_t span,
                    std::uint64_t parent,
                    std::int64_t at_ms,
                    std::string service = "svc");

// Looks keys up in a record's attributes JSON: a flat object of strings, numbers and booleans.
class FlatJsonAttributes final : public sampling::AttributeLookup {
public:
  std::optional<sampling::AttributeValue> find(const record::Record& record,
                                               std::string_view key) const override;
};

}  // namespace stitch::test
