#pragma once

#include <CLI/CLI.hpp>

namespace stitch::daemon {

// `stitch search [--service S] [--operation O] [--min-duration D] [--max-duration D] [--error]
// [--policy P] [--since 1h | --start T --end T] [--limit N] [--server URL] [--json]`: stored
// traces from stitchd's query API, newest first, as a table (or the API's JSON).
// Exit: 0 (also when nothing matches), 1 the server failed, 2 a bad parameter.
void registerSearchCommand(CLI::App& app);

}  // namespace stitch::daemon
