#pragma once

#include <CLI/CLI.hpp>

namespace stitch::daemon {

// `stitch trace ID [--server URL] [--json] [--logs] [--no-color]`: one trace from stitchd's
// query API, drawn as a tree (query::renderTerminalTree) or printed as the API's JSON.
// Exit: 0 shown, 1 not found or the server failed, 2 a bad id or command line.
void registerTraceCommand(CLI::App& app);

}  // namespace stitch::daemon
