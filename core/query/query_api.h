#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/common/clock.h"
#include "core/query/trace_queries.h"
#include "core/store/store_config.h"

namespace stitch::query {

struct HttpRequest {
  std::string_view method;  // "GET"
  std::string_view target;  // path and query, still percent-encoded: "/api/traces?service=a%20b"
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // the Allow header of a 405
};

// The query API as pure functions of a request, so that every endpoint is tested without a
// socket; the daemon's HTTP server routes the paths serves() accepts here.
//
//   GET /api/v1/traces/{trace_id}       stitch's trace JSON: tree, logs, warnings, state
//   GET /api/v1/traces?service=&operation=&min_duration=&max_duration=&error=&start=&end=
//                      &policy=&limit=  stored traces (summaries), newest first
//   GET /api/v1/services, /api/v1/services/{service}/operations
//   GET /api/traces/{trace_id}          Jaeger's shape (Grafana, Jaeger UI)
//   GET /api/traces?service=&operation=&tags=&tag=&minDuration=&maxDuration=&start=&end=
//                  &lookback=&limit=&traceID=
//   GET /api/services, /api/services/{service}/operations, /api/operations?service=
//
// docs/api.md documents each with examples and error codes.
// Threading: any HTTP thread; an instance holds no mutable state of its own.
class QueryApi {
public:
  QueryApi(TraceQueries& queries, const store::QueryConfig& config, const Clock& clock)
      : queries_(queries), config_(config), clock_(clock) {}

  // The path prefixes this API serves (each with everything below it), for a router that
  // registers routes by prefix: /api/v1/traces, /api/v1/services, /api/traces, /api/services,
  // /api/operations.
  static std::span<const std::string_view> routes() noexcept;
  // Whether `path` (no query string) belongs to this API.
  static bool serves(std::string_view path) noexcept;

  HttpResponse handle(const HttpRequest& request) const;

private:
  HttpResponse getTrace(std::string_view id_text) const;
  HttpResponse searchTraces(std::string_view query) const;
  HttpResponse listServices() const;
  HttpResponse listOperations(std::string_view service) const;
  HttpResponse jaegerGetTrace(std::string_view id_text) const;
  HttpResponse jaegerSearch(std::string_view query) const;
  HttpResponse jaegerServices() const;
  HttpResponse jaegerOperations(std::string_view service, bool with_kind) const;

  TraceQueries& queries_;
  const store::QueryConfig config_;
  const Clock& clock_;
};

}  // namespace stitch::query
