#pragma once

#include <string>
#include <string_view>

#include "daemon/cli/http_client.h"

namespace stitch::daemon::cli {

// The default API address; STITCH_SERVER overrides it, --server overrides both.
inline constexpr std::string_view kDefaultApiServer = "http://127.0.0.1:7411";
// The default ingest address of `stitch send`.
inline constexpr std::string_view kDefaultIngestServer = "127.0.0.1:7410";

// Colour only on a terminal, never with --no-color, NO_COLOR (any value) or TERM=dumb.
bool useColor(int fd, bool no_color_flag);

// The "error" (and "message") of an error body from stitchd's API, or the body itself.
std::string apiErrorText(std::string_view body);

// Maps an answer that is not 200 to an exit code, printing what went wrong on stderr:
// 400 -> kExitUsage, anything else -> kExitFailure.
int reportHttpError(std::string_view command, const ServerUrl& server, const HttpResult& result);

}  // namespace stitch::daemon::cli
