#pragma once

#include <CLI/CLI.hpp>

namespace stitch::daemon {

// `stitch send FILE [--server HOST:PORT] [--tcp|--udp] [--rate N] [--pack BYTES] [--json]`:
// ships an NDJSON file ("-" for stdin) to stitchd's ingest port, as fast as the socket allows
// or at --rate records/s; TCP streams the lines, UDP sends one line per datagram (or packs
// lines up to --pack bytes). A progress bar goes to stderr when it is a terminal; the counts
// are printed at the end (as JSON with --json).
// Exit: 0 sent, 1 the file or the connection failed, 2 a bad command line.
void registerSendCommand(CLI::App& app);

}  // namespace stitch::daemon
