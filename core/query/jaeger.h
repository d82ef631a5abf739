#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/json_writer.h"
#include "core/trace/trace.h"

namespace stitch::query::jaeger {

// Jaeger's JSON shapes (the query service's /api/..., model/json in jaegertracing/jaeger), which
// Grafana's Jaeger data source and the Jaeger UI read: times in microseconds, CHILD_OF
// references, a processes map, typed tags.

// A trace id as Jaeger's API accepts it: 1 to 32 hex digits, either case, left-padded with
// zeros (64-bit ids are valid). nullopt for anything else.
std::optional<tracecontext::TraceId> parseTraceId(std::string_view text) noexcept;

// One typed tag: Jaeger's KeyValue.
struct Tag {
  enum class Type : std::uint8_t { kString, kBool, kInt64, kFloat64 };
  std::string key;
  Type type = Type::kString;
  std::string value;  // the string itself, or the number / true / false as JSON text
};
std::string_view tagTypeName(Tag::Type type) noexcept;  // "string", "bool", "int64", "float64"

// The tags of span `span` of `trace`: its record's attributes (nested objects flattened with
// dots), span.kind, otel.status_code and otel.status_description, error=true for an error span,
// and the span record's message.
std::vector<Tag> spanTags(const trace::DecidedTrace& trace, const trace::Span& span);

// Writes one trace: {"traceID","spans":[...],"processes":{...},"warnings":...}. Trace-level logs
// (records without a span id) are shown as logs of the first root span.
void writeTrace(json::Writer& w, const trace::DecidedTrace& trace);

// Whether some span of `trace` whose service (and operation, when given) match carries every
// tag key=value (in its tags, its process's tags or one of its logs' fields), as Jaeger's
// search does. Values compare as text: "200" matches the int64 tag 200.
bool matchesTags(const trace::DecidedTrace& trace,
                 std::string_view service,
                 std::string_view operation,
                 const std::vector<std::pair<std::string, std::string>>& tags);

// {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":code,"msg":msg}]}
std::string errorBody(int code, std::string_view msg);

}  // namespace stitch::query::jaeger
