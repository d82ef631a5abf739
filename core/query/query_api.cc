#include "core/query/query_api.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/common/json_writer.h"
#include "core/query/jaeger.h"
#include "core/query/query_params.h"
#include "core/query/time_format.h"
#include "core/query/trace_view.h"

namespace stitch::query {
namespace {

constexpr std::string_view kOwnTraces = "/api/v1/traces";
constexpr std::string_view kOwnServices = "/api/v1/services";
constexpr std::string_view kJaegerTraces = "/api/traces";
constexpr std::string_view kJaegerServices = "/api/services";
constexpr std::string_view kJaegerOperations = "/api/operations";

constexpr std::int64_t kJaegerDefaultLimit = 100;  // Jaeger's defaultQueryLimit
constexpr std::int64_t kJaegerDefaultLookbackNs = 2 * 86400 * kNanosPerSecond;  // 2 days

HttpResponse respond(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// stitch's error body: {"error": what a person reads, "reason": what a program switches on, ...}.
class ErrorBody {
public:
  ErrorBody(std::string_view error, std::string_view reason) : w_(out_) {
    w_.beginObject().field("error", error).field("reason", reason);
  }
  ErrorBody& field(std::string_view key, std::string_view value) {
    w_.field(key, value);
    return *this;
  }
  ErrorBody& field(std::string_view key, std::int64_t value) {
    w_.field(key, value);
    return *this;
  }
  HttpResponse respond(unsigned status) {
    w_.endObject();
    return query::respond(status, std::move(out_));
  }

private:
  std::string out_;
  json::Writer w_;
};

HttpResponse badParameter(std::string_view parameter, std::string_view message) {
  return ErrorBody(std::string(parameter) + ": " + std::string(message), "bad_parameter")
      .field("parameter", parameter)
      .respond(400);
}

HttpResponse jaegerError(unsigned status, std::string_view message) {
  return respond(status, jaeger::errorBody(static_cast<int>(status), message));
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// The own API's strict trace id: W3C's 32 lowercase hex digits, not all zeros.
HttpResponse badTraceId(std::string_view id_text) {
  const auto parsed = tracecontext::TraceId::fromHex(id_text);
  if (parsed && !parsed->isValid()) {
    return ErrorBody("the all-zero trace id is invalid", "zero_trace_id")
        .field("trace_id", id_text)
        .respond(400);
  }
  return ErrorBody("a trace id is 32 lowercase hex digits", "malformed_trace_id")
      .field("trace_id", id_text)
      .respond(400);
}

HttpResponse notFound(const tracecontext::TraceId& id, const TraceLookup& lookup) {
  ErrorBody body("trace not found", notFoundReasonName(lookup.reason));
  body.field("trace_id", id.hex());
  switch (lookup.reason) {
    case NotFoundReason::kSampledOut:
      body.field("message", "the trace was decided and not kept");
      if (lookup.decision) {
        body.field("policy", lookup.decision->policy);
        body.field("decided_at", formatRfc3339(lookup.decision->decided_at_ns));
      }
      break;
    case NotFoundReason::kExpired:
      body.field("message", "the trace was kept, then deleted by retention");
      if (lookup.expired) {
        body.field("expired_at", formatRfc3339(lookup.expired->expired_at_ns));
        body.field("expired_by", store::expiryReasonName(lookup.expired->reason));
      }
      break;
    case NotFoundReason::kUnknown:
      body.field("message", lookup.decision
                                ? "the trace was kept but is not stored (store disabled or the "
                                  "write was dropped)"
                                : "no pending, kept, sampled-out or expired trace has this id");
      break;
  }
  return body.respond(404);
}

void writeRow(json::Writer& w, const store::TraceRow& row) {
  w.beginObject();
  w.field("trace_id", row.trace_id.hex());
  w.field("state", "kept");
  writeSummaryMembers(w, row.summary);
  w.field("policy", row.decision.policy);
  w.field("decided_at", formatRfc3339(row.decision.decided_at_ns));
  w.field("kept_at", formatRfc3339(row.kept_at_ns));
  w.endObject();
}

// Splits "/prefix/a/b" after `prefix` into its decoded segments; nullopt on bad escapes.
std::optional<std::vector<std::string>> segmentsAfter(std::string_view path,
                                                      std::string_view prefix) {
  std::vector<std::string> segments;
  std::string_view rest = path.substr(prefix.size());
  if (rest.empty()) {
    return segments;
  }
  rest.remove_prefix(1);  // the '/'
  while (true) {
    const std::size_t slash = rest.find('/');
    auto decoded = percentDecode(rest.substr(0, slash), false);
    if (!decoded) {
      return std::nullopt;
    }
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  return segments;
}

bool underPrefix(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

std::span<const std::string_view> QueryApi::routes() noexcept {
  static constexpr std::string_view kRoutes[] = {kOwnTraces, kOwnServices, kJaegerTraces,
                                                 kJaegerServices, kJaegerOperations};
  return kRoutes;
}

bool QueryApi::serves(std::string_view path) noexcept {
  for (const std::string_view prefix : routes()) {
    if (underPrefix(path, prefix)) {
      return true;
    }
  }
  return false;
}

HttpResponse QueryApi::handle(const HttpRequest& request) const {
  const std::size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  const bool jaeger = !path.starts_with("/api/v1/");
  if (request.method != "GET") {
    HttpResponse r =
        jaeger ? jaegerError(405, "method not allowed; use GET")
               : ErrorBody("method not allowed; use GET", "method_not_allowed").respond(405);
    r.allow = "GET";
    return r;
  }
  auto unknown = [&] {
    return jaeger ? jaegerError(404, "no such endpoint: " + std::string(path))
                  : ErrorBody("no such endpoint: " + std::string(path), "unknown_endpoint")
                        .respond(404);
  };
  for (const std::string_view prefix :
       {kOwnTraces, kOwnServices, kJaegerTraces, kJaegerServices, kJaegerOperations}) {
    if (!underPrefix(path, prefix)) {
      continue;
    }
    const auto segments = segmentsAfter(path, prefix);
    if (!segments) {
      return jaeger ? jaegerError(400, "malformed percent-encoding in the path")
                    : ErrorBody("malformed percent-encoding in the path", "bad_path").respond(400);
    }
    const std::vector<std::string>& s = *segments;
    if (prefix == kOwnTraces) {
      if (s.empty()) {
        return searchTraces(query);
      }
      return s.size() == 1 ? getTrace(s[0]) : unknown();
    }
    if (prefix == kJaegerTraces) {
      if (s.empty()) {
        return jaegerSearch(query);
      }
      return s.size() == 1 ? jaegerGetTrace(s[0]) : unknown();
    }
    if (prefix == kOwnServices || prefix == kJaegerServices) {
      const bool own = prefix == kOwnServices;
      if (s.empty()) {
        return own ? listServices() : jaegerServices();
      }
      if (s.size() == 2 && s[1] == "operations") {
        return own ? listOperations(s[0]) : jaegerOperations(s[0], false);
      }
      return unknown();
    }
    if (prefix == kJaegerOperations && s.empty()) {
      auto params = QueryParams::parse(query);
      if (!params) {
        return jaegerError(400, params.error());
      }
      const auto service = params->get("service");
      if (!service) {
        return jaegerError(400, "parameter 'service' is required");
      }
      return jaegerOperations(*service, true);
    }
    return unknown();
  }
  return unknown();
}

// ---- stitch's own API

HttpResponse QueryApi::getTrace(std::string_view id_text) const {
  const auto id = tracecontext::TraceId::fromHex(id_text);
  if (!id || !id->isValid()) {
    return badTraceId(id_text);
  }
  const TraceLookup lookup = queries_.find(*id);
  if (lookup.found()) {
    return respond(200, renderTraceJson(makeTraceView(*lookup.trace, lookup.state)));
  }
  if (!lookup.error.empty()) {
    return ErrorBody("the trace store failed", "store_error")
        .field("message", lookup.error)
        .respond(500);
  }
  return notFound(*id, lookup);
}

HttpResponse QueryApi::searchTraces(std::string_view query) const {
  auto params = QueryParams::parse(query);
  if (!params) {
    return ErrorBody(params.error(), "bad_parameter").respond(400);
  }
  static constexpr std::string_view kKnown[] = {"service",      "operation", "min_duration",
                                                "max_duration", "error",     "start",
                                                "end",          "limit",     "policy"};
  for (const auto& [key, value] : params->items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return ErrorBody("unknown parameter '" + key +
                           "'; known: service, operation, min_duration, max_duration, error, "
                           "start, end, policy, limit",
                       "unknown_parameter")
          .field("parameter", key)
          .respond(400);
    }
  }
  store::SearchFilter filter;
  filter.service = params->get("service").value_or("");
  filter.operation = params->get("operation").value_or("");
  filter.policy = params->get("policy").value_or("");
  for (const auto* name : {"min_duration", "max_duration"}) {
    if (const auto text = params->get(name)) {
      const auto ns = parseDuration(*text);
      if (!ns) {
        return badParameter(name, "not a duration (e.g. 250ms, 1.5s, 2m)");
      }
      (std::string_view(name) == "min_duration" ? filter.min_duration_ns : filter.max_duration_ns) =
          *ns;
    }
  }
  if (filter.min_duration_ns && filter.max_duration_ns &&
      *filter.max_duration_ns < *filter.min_duration_ns) {
    return badParameter("max_duration", "is below min_duration");
  }
  if (const auto text = params->get("error")) {
    if (*text == "true" || *text == "1") {
      filter.error = true;
    } else if (*text == "false" || *text == "0") {
      filter.error = false;
    } else {
      return badParameter("error", "must be true or false");
    }
  }
  for (const auto* name : {"start", "end"}) {
    if (const auto text = params->get(name)) {
      const auto t = parseTime(*text);
      if (!t) {
        return badParameter(name,
                            "not a time: RFC 3339 (2024-05-01T12:00:00Z) or a Unix epoch number "
                            "(seconds, milliseconds, microseconds or nanoseconds)");
      }
      (std::string_view(name) == "start" ? filter.start_min_ns : filter.start_max_ns) = *t;
    }
  }
  if (filter.start_min_ns && filter.start_max_ns && *filter.start_max_ns < *filter.start_min_ns) {
    return badParameter("end", "is before start");
  }
  filter.limit = config_.default_limit;
  if (const auto text = params->get("limit")) {
    const auto limit = parseInteger(*text);
    if (!limit || *limit < 1 || *limit > static_cast<std::int64_t>(config_.max_limit)) {
      return badParameter("limit",
                          fmt::format("must be an integer from 1 to {}", config_.max_limit));
    }
    filter.limit = static_cast<std::uint32_t>(*limit);
  }
  auto rows = queries_.search(filter);
  if (!rows) {
    return ErrorBody("search failed: " + rows.error(),
                     queries_.hasStore() ? "store_error" : "store_disabled")
        .respond(queries_.hasStore() ? 500 : 503);
  }
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.key("traces").beginArray();
  for (const auto& row : *rows) {
    writeRow(w, row);
  }
  w.endArray();
  w.field("count", static_cast<std::uint64_t>(rows->size()));
  w.field("limit", filter.limit);
  w.endObject();
  return respond(200, std::move(out));
}

HttpResponse QueryApi::listServices() const {
  auto names = queries_.services();
  if (!names) {
    return ErrorBody("listing services failed: " + names.error(), "store_error").respond(500);
  }
  std::string out;
  json::Writer w(out);
  w.beginObject().key("services").beginArray();
  for (const auto& name : *names) {
    w.value(name);
  }
  w.endArray().endObject();
  return respond(200, std::move(out));
}

HttpResponse QueryApi::listOperations(std::string_view service) const {
  auto names = queries_.operations(service);
  if (!names) {
    return ErrorBody("listing operations failed: " + names.error(), "store_error").respond(500);
  }
  std::string out;
  json::Writer w(out);
  w.beginObject().field("service", service).key("operations").beginArray();
  for (const auto& name : *names) {
    w.value(name);
  }
  w.endArray().endObject();
  return respond(200, std::move(out));
}

// ---- Jaeger's API

namespace {

// {"data":[...],"total":n,"limit":0,"offset":0,"errors":null|[...]}, data written by `body`.
template <class Body>
std::string jaegerEnvelope(std::size_t total,
                           const std::vector<std::pair<std::string, std::string>>& errors,
                           Body&& body) {
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.key("data").beginArray();
  body(w);
  w.endArray();
  w.field("total", static_cast<std::uint64_t>(total));
  w.field("limit", 0);
  w.field("offset", 0);
  w.key("errors");
  if (errors.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const auto& [trace_id, msg] : errors) {
      w.beginObject().field("code", 404).field("msg", msg).field("traceID", trace_id).endObject();
    }
    w.endArray();
  }
  w.endObject();
  return out;
}

}  // namespace

HttpResponse QueryApi::jaegerGetTrace(std::string_view id_text) const {
  const auto id = jaeger::parseTraceId(id_text);
  if (!id) {
    return jaegerError(
        400, "cannot parse traceID '" + std::string(id_text) + "': expected up to 32 hex digits");
  }
  const TraceLookup lookup = queries_.find(*id);
  if (!lookup.found()) {
    if (!lookup.error.empty()) {
      return jaegerError(500, lookup.error);
    }
    return jaegerError(404, "trace not found");
  }
  return respond(
      200, jaegerEnvelope(1, {}, [&](json::Writer& w) { jaeger::writeTrace(w, *lookup.trace); }));
}

HttpResponse QueryApi::jaegerSearch(std::string_view query) const {
  auto params = QueryParams::parse(query);
  if (!params) {
    return jaegerError(400, params.error());
  }
  // Explicit trace ids: Jaeger UI's "compare" and deep links.
  std::vector<tracecontext::TraceId> ids;
  for (const auto& text : params->all("traceID")) {
    const auto id = jaeger::parseTraceId(text);
    if (!id) {
      return jaegerError(400, "cannot parse traceID param: '" + text + "'");
    }
    ids.push_back(*id);
  }
  if (!ids.empty()) {
    std::vector<trace::DecidedTracePtr> found;
    std::vector<std::pair<std::string, std::string>> errors;
    for (const auto& id : ids) {
      TraceLookup lookup = queries_.find(id);
      if (lookup.found()) {
        found.push_back(std::move(lookup.trace));
      } else {
        errors.emplace_back(id.hex(), lookup.error.empty() ? "trace not found" : lookup.error);
      }
    }
    return respond(200, jaegerEnvelope(found.size(), errors, [&](json::Writer& w) {
                     for (const auto& t : found) {
                       jaeger::writeTrace(w, *t);
                     }
                   }));
  }

  store::SearchFilter filter;
  const auto service = params->get("service");
  if (!service) {
    return jaegerError(400, "parameter 'service' is required");
  }
  filter.service = *service;
  filter.operation = params->get("operation").value_or("");
  const TimestampNs now = clock_.now();
  TimestampNs end = now;
  if (const auto text = params->get("end")) {
    const auto us = parseInteger(*text);
    if (!us) {
      return jaegerError(400, "unable to parse param 'end': not an integer (microseconds)");
    }
    end = *us * kNanosPerMicro;
  }
  TimestampNs start = end - kJaegerDefaultLookbackNs;
  if (const auto text = params->get("start")) {
    const auto us = parseInteger(*text);
    if (!us) {
      return jaegerError(400, "unable to parse param 'start': not an integer (microseconds)");
    }
    start = *us * kNanosPerMicro;
  } else if (const auto lookback = params->get("lookback"); lookback && *lookback != "custom") {
    const auto ns = parseDuration(*lookback, true);
    if (!ns) {
      return jaegerError(400, "unable to parse param 'lookback': not a duration (e.g. 1h, 2d)");
    }
    start = end - *ns;
  }
  filter.start_min_ns = start;
  filter.start_max_ns = end;
  for (const auto* name : {"minDuration", "maxDuration"}) {
    if (const auto text = params->get(name)) {
      const auto ns = parseDuration(*text);
      if (!ns) {
        return jaegerError(400, fmt::format("unable to parse param '{}': not a duration (e.g. "
                                            "1.2s, 100ms, 500us)",
                                            name));
      }
      if (*ns != 0) {
        (std::string_view(name) == "minDuration" ? filter.min_duration_ns
                                                 : filter.max_duration_ns) = *ns;
      }
    }
  }
  if (filter.min_duration_ns && filter.max_duration_ns &&
      *filter.max_duration_ns < *filter.min_duration_ns) {
    return jaegerError(400, "'maxDuration' should be greater than 'minDuration'");
  }
  std::int64_t limit = std::min<std::int64_t>(kJaegerDefaultLimit, config_.max_limit);
  if (const auto text = params->get("limit")) {
    const auto parsed = parseInteger(*text);
    if (!parsed) {
      return jaegerError(400, "unable to parse param 'limit': not an integer");
    }
    if (*parsed > 0) {
      limit = std::min<std::int64_t>(*parsed, config_.max_limit);
    }
  }
  // tag=key:value (repeated) and tags={"key":"value"}: every one must match one span.
  std::vector<std::pair<std::string, std::string>> tags;
  for (const auto& tag : params->all("tag")) {
    const std::size_t colon = tag.find(':');
    if (colon == std::string::npos) {
      return jaegerError(400, "malformed 'tag' parameter, expecting key:value, received: " + tag);
    }
    tags.emplace_back(tag.substr(0, colon), tag.substr(colon + 1));
  }
  for (const auto& json : params->all("tags")) {
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(json).get_object().get(object) != simdjson::SUCCESS) {
      return jaegerError(400, "malformed 'tags' parameter, cannot unmarshal JSON: " + json);
    }
    for (auto [key, value] : object) {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) {
        return jaegerError(400,
                           "malformed 'tags' parameter, cannot unmarshal JSON: values must "
                           "be strings: " +
                               json);
      }
      tags.emplace_back(std::string(key), std::string(text));
    }
  }

  filter.limit = tags.empty() ? static_cast<std::uint32_t>(limit) : config_.max_tag_scan;
  auto rows = queries_.search(filter);
  if (!rows) {
    if (!queries_.hasStore()) {
      return respond(200, jaegerEnvelope(0, {}, [](json::Writer&) {}));
    }
    return jaegerError(500, rows.error());
  }
  std::vector<trace::DecidedTracePtr> found;
  for (const auto& row : *rows) {
    if (static_cast<std::int64_t>(found.size()) >= limit) {
      break;
    }
    TraceLookup lookup = queries_.find(row.trace_id);
    if (!lookup.found()) {
      continue;  // deleted by retention since the search
    }
    if (!tags.empty() &&
        !jaeger::matchesTags(*lookup.trace, filter.service, filter.operation, tags)) {
      continue;
    }
    found.push_back(std::move(lookup.trace));
  }
  return respond(200, jaegerEnvelope(found.size(), {}, [&](json::Writer& w) {
                   for (const auto& t : found) {
                     jaeger::writeTrace(w, *t);
                   }
                 }));
}

HttpResponse QueryApi::jaegerServices() const {
  auto names = queries_.services();
  if (!names) {
    return jaegerError(500, names.error());
  }
  return respond(200, jaegerEnvelope(names->size(), {}, [&](json::Writer& w) {
                   for (const auto& name : *names) {
                     w.value(name);
                   }
                 }));
}

HttpResponse QueryApi::jaegerOperations(std::string_view service, bool with_kind) const {
  auto names = queries_.operations(service);
  if (!names) {
    return jaegerError(500, names.error());
  }
  return respond(200, jaegerEnvelope(names->size(), {}, [&](json::Writer& w) {
                   for (const auto& name : *names) {
                     if (with_kind) {
                       w.beginObject().field("name", name).field("spanKind", "").endObject();
                     } else {
                       w.value(name);
                     }
                   }
                 }));
}

}  // namespace stitch::query
