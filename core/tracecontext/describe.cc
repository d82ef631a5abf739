#include "core/tracecontext/describe.h"

#include "core/common/json_writer.h"
#include "core/tracecontext/traceparent.h"

namespace stitch::tracecontext {
namespace {

std::string_view hexByte(std::uint8_t value, char (&buffer)[2]) noexcept {
  hex::encodeU8(value, buffer);
  return {buffer, 2};
}

void writeTracestate(json::Writer& w,
                     std::span<const std::string_view> lines,
                     TracestateKeyGrammar grammar) {
  const auto parsed = Tracestate::parse(lines, grammar);
  w.beginObject();
  w.field("valid", parsed.has_value());
  if (!parsed) {
    w.field("reason", reasonName(parsed.error()));
  }
  w.key("entries").beginArray();
  if (parsed) {
    for (const TracestateEntry entry : *parsed) {
      w.beginArray().value(entry.key).value(entry.value).endArray();
    }
  }
  w.endArray();
  w.key("normalized");
  if (parsed) {
    w.value(parsed->header());
  } else {
    w.null();
  }
  w.endObject();
}

}  // namespace

TraceContextDescription describeTraceContext(std::string_view traceparent,
                                             std::span<const std::string_view> tracestate_lines,
                                             TracestateKeyGrammar grammar) {
  TraceContextDescription result;
  const auto tp = parseTraceparent(traceparent);
  result.traceparent_valid = tp.has_value();

  json::Writer w(result.json);
  w.beginObject();
  w.field("input", traceparent);
  w.field("valid", tp.has_value());
  if (!tp) {
    w.field("reason", reasonName(tp.error()));
    for (const char* name : {"version", "trace_id", "parent_id", "flags", "sampled", "random",
                             "normalized", "tracestate"}) {
      w.key(name).null();
    }
    w.endObject();
    return result;
  }

  char buffer[2];
  w.field("version", hexByte(tp->version, buffer));
  w.field("trace_id", tp->trace_id.hex());
  w.field("parent_id", tp->parent_id.hex());
  w.field("flags", hexByte(tp->flags, buffer));
  w.field("sampled", tp->sampled());
  w.field("random", tp->random());
  const auto normalized = formatTraceparent(*tp);
  w.field("normalized", std::string_view(normalized.data(), normalized.size()));
  w.key("tracestate");
  writeTracestate(w, tracestate_lines, grammar);
  w.endObject();
  return result;
}

}  // namespace stitch::tracecontext
