#include "daemon/http/router.h"

#include <optional>
#include <string>

#include <catch2/catch.hpp>

namespace stitch::daemon {
namespace {

HttpRequest request(http::verb method, std::string target) {
  HttpRequest r{method, target, 11};
  return r;
}

// Dispatches and returns the response (handlers here answer synchronously).
HttpResponse dispatch(const Router& router, http::verb method, std::string target) {
  std::optional<HttpResponse> out;
  router.dispatch(request(method, std::move(target)),
                  [&](HttpResponse&& response) { out = std::move(response); });
  REQUIRE(out);
  return std::move(*out);
}

HttpHandler answer(std::string text) {
  return [text](HttpRequest&& r, Respond respond) {
    respond(makeResponse(r, http::status::ok, "text/plain", text));
  };
}

}  // namespace

TEST_CASE("Router sends a request to the route of its method and path", "[daemon][http]") {
  Router router;
  router.add(http::verb::get, "/metrics", answer("metrics"));
  router.add(http::verb::post, "/v1/logs", answer("logs"));
  CHECK(dispatch(router, http::verb::get, "/metrics").body() == "metrics");
  CHECK(dispatch(router, http::verb::post, "/v1/logs").body() == "logs");
  CHECK(dispatch(router, http::verb::post, "/v1/logs?source=app").body() == "logs");
}

TEST_CASE("Router matches paths below a route, longest route first", "[daemon][http]") {
  Router router;
  router.add(http::verb::get, "/api/v1/traces", answer("traces"));
  router.add(http::verb::get, "/api/v1/traces/search", answer("search"));
  CHECK(dispatch(router, http::verb::get, "/api/v1/traces/4bf92f35").body() == "traces");
  CHECK(dispatch(router, http::verb::get, "/api/v1/traces/search?q=x").body() == "search");
  CHECK(dispatch(router, http::verb::get, "/api/v1/tracesX").result() == http::status::not_found);
}

TEST_CASE("Router answers 405 with Allow when only other methods match", "[daemon][http]") {
  Router router;
  router.add(http::verb::post, "/v1/logs", answer("logs"));
  router.add(http::verb::put, "/v1/logs", answer("logs"));
  const auto response = dispatch(router, http::verb::get, "/v1/logs");
  CHECK(response.result() == http::status::method_not_allowed);
  CHECK(std::string(response[http::field::allow]) == "POST, PUT");
}

TEST_CASE("Router answers 404 with a JSON error for unknown paths", "[daemon][http]") {
  Router router;
  router.add(http::verb::get, "/healthz", answer("ok"));
  const auto response = dispatch(router, http::verb::get, "/nowhere");
  CHECK(response.result() == http::status::not_found);
  CHECK(response.body().find("\"error\"") != std::string::npos);
}

TEST_CASE("Router names the route of a target for metric labels", "[daemon][http]") {
  Router router;
  router.add(http::verb::post, "/v1/logs", answer(""));
  CHECK(router.routeOf("/v1/logs?x=1") == "/v1/logs");
  CHECK(router.routeOf("/attack/with/many/paths") == "other");
}

}  // namespace stitch::daemon
