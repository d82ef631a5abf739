#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/trace/trace.h"

namespace stitch::json {
class Writer;
}  // namespace stitch::json

namespace stitch::query {

// Where a trace was found: still buffered by its shard, or decided and kept.
enum class TraceState : std::uint8_t { kPending, kKept };
std::string_view traceStateName(TraceState state) noexcept;  // "pending", "kept"

// One log event as the query API shows it.
struct LogView {
  TimestampNs time_ns = 0;
  std::string severity;  // as logged; else from the severity number ("ERROR"); else empty
  std::string message;
  bool error = false;       // ERROR severity or above, error status, or an error text
  std::string error_text;   // the record's error field
  std::string record_json;  // the original line when it is a JSON object; else empty

  friend bool operator==(const LogView&, const LogView&) = default;
};

// One span of the tree, flat: children are indexes into TraceView::spans.
struct SpanView {
  std::string span_id;         // 16 hex
  std::string parent_span_id;  // 16 hex; empty for a root
  std::string service;
  std::string operation;
  TimestampNs start_ns = 0;
  std::int64_t duration_ns = 0;
  std::int64_t self_ns = 0;
  double share_of_parent = -1;  // -1 without a parent
  std::int32_t depth = 0;
  record::Status status = record::Status::kUnset;
  bool error = false;            // its status or error text, or an error log event of it
  std::string error_message;     // the span's error text, else its first error log's message
  std::uint8_t flags = 0;        // trace::span_flag bits
  std::uint32_t duplicates = 0;  // further span records with the same id
  std::string attributes_json;   // the span record's attributes object; empty when none
  std::vector<LogView> logs;
  std::vector<std::int32_t> children;

  friend bool operator==(const SpanView&, const SpanView&) = default;
};

// A trace as the query API shows it: built from a DecidedTrace on the daemon side, parsed back
// from the API's JSON by the CLI, rendered as JSON or as a terminal tree.
struct TraceView {
  std::string trace_id;
  TraceState state = TraceState::kKept;
  std::optional<trace::DecisionInfo> decision;  // none while pending
  trace::TraceSummary summary;
  std::vector<std::string> warnings;
  std::vector<SpanView> spans;
  std::vector<std::int32_t> roots;  // true roots by start, then orphans
  std::vector<LogView> trace_logs;  // records with the trace id and no span id
};

TraceView makeTraceView(const trace::DecidedTrace& trace, TraceState state);

// stitch's own trace JSON (GET /api/v1/traces/{id}); docs/api.md shows an example. Spans are
// nested under "spans" (the roots) and "children".
std::string renderTraceJson(const TraceView& view);

// The summary's members (start .. bytes), in the order renderTraceJson() writes them; search
// results write the same members into each of their rows.
void writeSummaryMembers(json::Writer& w, const trace::TraceSummary& s);

// Reads renderTraceJson()'s output back. Unknown members are ignored (newer servers may add
// some); a missing required member or a wrong type is an error naming the member.
Result<TraceView, std::string> parseTraceJson(std::string_view json);

// Severity text for an OpenTelemetry SeverityNumber (1..24): "TRACE".."FATAL"; "" for 0.
std::string_view severityName(std::uint8_t severity_number) noexcept;

// Whether `text` is one JSON object (so that it can be embedded as is).
bool isJsonObject(std::string_view text);

}  // namespace stitch::query
