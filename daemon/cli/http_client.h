#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace stitch::daemon::cli {

// Where the CLI talks to stitchd's HTTP API: "http://host:port" (a trailing '/' or a path prefix
// such as "http://proxy/stitch" is kept). https is not supported.
struct ServerUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string base_path;  // "" or "/prefix" (no trailing '/')

  static Result<ServerUrl, std::string> parse(std::string_view url);
  std::string text() const;  // for messages: "http://127.0.0.1:7411"
};

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

// One GET, synchronous, with a timeout for the whole exchange. An error is a message for the
// user ("cannot connect to 127.0.0.1:7411: Connection refused").
Result<HttpResult, std::string> httpGet(const ServerUrl& server,
                                        std::string_view target,
                                        std::chrono::milliseconds timeout);

}  // namespace stitch::daemon::cli
