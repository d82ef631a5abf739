#include "daemon/http/router.h"

#include "core/common/json_writer.h"

namespace stitch::daemon {

std::string_view targetPath(std::string_view target) noexcept {
  const std::size_t query = target.find('?');
  return query == std::string_view::npos ? target : target.substr(0, query);
}

HttpResponse makeResponse(const HttpRequest& request,
                          http::status status,
                          std::string_view content_type,
                          std::string body) {
  HttpResponse response{status, request.version()};
  response.set(http::field::server, "stitchd");
  response.set(http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

HttpResponse makeError(const HttpRequest& request, http::status status, std::string_view message) {
  std::string body;
  json::Writer(body).beginObject().field("error", message).endObject();
  body += '\n';
  return makeResponse(request, status, "application/json", std::move(body));
}

void Router::add(http::verb method, std::string path, HttpHandler handler) {
  routes_.push_back(Route{method, std::move(path), std::move(handler)});
}

bool Router::matches(std::string_view route, std::string_view path) noexcept {
  if (path.substr(0, route.size()) != route) {
    return false;
  }
  return path.size() == route.size() || route.back() == '/' || path[route.size()] == '/';
}

std::string_view Router::routeOf(std::string_view target) const noexcept {
  const std::string_view path = targetPath(target);
  std::string_view best = "other";
  std::size_t best_size = 0;
  for (const auto& route : routes_) {
    if (matches(route.path, path) && route.path.size() > best_size) {
      best = route.path;
      best_size = route.path.size();
    }
  }
  return best;
}

void Router::dispatch(HttpRequest&& request, Respond respond) const {
  const std::string_view path = targetPath(request.target());
  const Route* best = nullptr;
  std::size_t best_size = 0;
  std::string allow;
  for (const auto& route : routes_) {
    if (!matches(route.path, path)) {
      continue;
    }
    if (route.method != request.method()) {
      if (allow.find(http::to_string(route.method)) == std::string::npos) {
        if (!allow.empty()) {
          allow += ", ";
        }
        allow += std::string(http::to_string(route.method));
      }
      continue;
    }
    if (best == nullptr || route.path.size() > best_size) {
      best = &route;
      best_size = route.path.size();
    }
  }
  if (best != nullptr) {
    best->handler(std::move(request), std::move(respond));
    return;
  }
  if (!allow.empty()) {
    auto response =
        makeError(request, http::status::method_not_allowed, "method not allowed; use " + allow);
    response.set(http::field::allow, allow);
    respond(std::move(response));
    return;
  }
  respond(makeError(request, http::status::not_found, "no such endpoint"));
}

}  // namespace stitch::daemon
