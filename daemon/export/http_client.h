#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/export/http_url.h"
#include "daemon/export/exporter.h"

namespace stitch::daemon {

// A small HTTP/1.1 client (Boost.Beast) for exporters: one keep-alive connection to one
// endpoint, POST only, every request bounded by a deadline (resolve, connect, send and
// response together). Plain TCP; TLS will wrap the stream here.
// Asio stays out of this header: it is included by the exporters and their tests.
// Threading: one owner thread (the exporter worker).
class HttpClient {
public:
  struct Response {
    unsigned status = 0;
    std::string body;  // at most kMaxResponseBody bytes
    std::string content_type;
    std::string retry_after;
  };
  struct Error {
    std::string reason;   // metric label: "resolve", "connect", "timeout", "connection", ...
    std::string message;  // for the log
  };
  using Headers = std::vector<std::pair<std::string, std::string>>;

  static constexpr std::size_t kMaxResponseBody = 4U << 20;

  explicit HttpClient(exporting::HttpUrl url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one POST and reads the response. Reuses the open connection; when a reused
  // connection turns out to have been closed by the server before any response, reconnects
  // and sends once more (a keep-alive race, not a failure). Never throws for network errors.
  Result<Response, Error> post(std::string_view target,
                               std::string_view body,
                               const Headers& headers,
                               SteadyTime deadline);

  void close();
  std::uint64_t connectionsOpened() const noexcept;
  const exporting::HttpUrl& url() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stitch::daemon
