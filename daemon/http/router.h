#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/asio.h"

namespace stitch::daemon {

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
// Completes a request. Call exactly once, on the HTTP thread (a handler may do so later, e.g.
// after waiting for room in the pipeline).
using Respond = std::function<void(HttpResponse&&)>;
using HttpHandler = std::function<void(HttpRequest&& request, Respond respond)>;

// Maps method + path to handlers. A route's path matches the same path, and any path below it
// ("/api/v1/traces" matches "/api/v1/traces/abc"); the longest matching route wins; the query
// string is not part of the path. The query API registers its routes here later.
// Threading: routes are added before the server starts; dispatch runs on the HTTP thread.
class Router {
public:
  void add(http::verb method, std::string path, HttpHandler handler);
  // 404 when no route's path matches, 405 (with Allow) when only other methods do.
  void dispatch(HttpRequest&& request, Respond respond) const;
  // The route a target falls under ("/v1/logs"), or "other": a bounded metric label.
  std::string_view routeOf(std::string_view target) const noexcept;

private:
  struct Route {
    http::verb method;
    std::string path;
    HttpHandler handler;
  };
  static bool matches(std::string_view route, std::string_view path) noexcept;
  std::vector<Route> routes_;
};

// The path of a request target, without its query string.
std::string_view targetPath(std::string_view target) noexcept;

// A response with `body` and the request's version and keep-alive.
HttpResponse makeResponse(const HttpRequest& request,
                          http::status status,
                          std::string_view content_type,
                          std::string body);
// {"error": message} with `status`.
HttpResponse makeError(const HttpRequest& request, http::status status, std::string_view message);

}  // namespace stitch::daemon
