#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/tracecontext/tracestate.h"

namespace stitch::tracecontext {

// What `stitch tracecontext` prints: the verdict on a traceparent value and its tracestate
// header lines, reached by the same parsers the daemon runs.
struct TraceContextDescription {
  bool traceparent_valid = false;
  std::string json;  // one JSON object on one line, no trailing newline
};

// The JSON object has these members, always in this order:
//   input       the traceparent value exactly as given
//   valid       whether the traceparent was accepted
//   reason      why not (reasonName of TraceparentError); only present when valid is false
//   version     as received, 2 hex chars ("cc" for a future version)
//   trace_id    32 hex chars
//   parent_id   16 hex chars
//   flags       2 hex chars as received, unknown bits included ("ff")
//   sampled     flag bit 0
//   random      flag bit 1 (W3C Level 2: the trace-id is random)
//   normalized  the value stitch would send on: version 00, unknown flag bits cleared
//   tracestate  {"valid", "reason" (only when invalid), "entries": [[key, value], ...]
//               (left-most first; [] when invalid), "normalized": canonical header or null}
// When the traceparent is invalid, version..normalized are null, and so is tracestate: W3C
// forbids parsing tracestate without a valid traceparent. No tracestate line is an empty
// tracestate (valid, no entries), as W3C treats a missing header and an empty one alike.
TraceContextDescription describeTraceContext(std::string_view traceparent,
                                             std::span<const std::string_view> tracestate_lines,
                                             TracestateKeyGrammar grammar = kDefaultKeyGrammar);

}  // namespace stitch::tracecontext
