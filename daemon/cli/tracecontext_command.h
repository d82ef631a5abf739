#pragma once

namespace CLI {
class App;
}

namespace stitch::daemon {

// Adds `stitch tracecontext --traceparent VALUE [--tracestate LINE]... [--key-grammar G]`:
// validates the headers with the daemon's own parsers (core/tracecontext) and prints one JSON
// object (see core/tracecontext/describe.h). Exit 0 when the traceparent is valid, 1 when not,
// 2 on a usage error.
void registerTracecontextCommand(CLI::App& app);

}  // namespace stitch::daemon
