#include "core/query/query_api.h"

#include <map>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "core/query/query_params.h"
#include "core/store/trace_store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::query;
using stitch::fixtures::makeDecided;
using stitch::fixtures::makeRecord;
using stitch::fixtures::RecordSpec;
using tracecontext::TraceId;

namespace {

constexpr TimestampNs kNow = 1'700'000'100'000'000'000;
constexpr TimestampNs kMs = kNanosPerMilli;

class FakePending : public PendingLookup {
public:
  trace::DecidedTracePtr pendingTrace(const TraceId& id) override {
    auto found = traces.find(id);
    return found == traces.end() ? nullptr : found->second;
  }
  std::map<TraceId, trace::DecidedTracePtr> traces;
};

class FakeDecisions : public DecisionLookup {
public:
  std::optional<trace::DecisionInfo> decisionFor(const TraceId& id) override {
    auto found = decisions.find(id);
    if (found == decisions.end()) {
      return std::nullopt;
    }
    return found->second;
  }
  std::map<TraceId, trace::DecisionInfo> decisions;
};

TraceId idOf(std::uint64_t n) {
  return TraceId{0x2222'0000'0000'0000ULL, n};
}

// A two-span trace of `service` starting at `start`.
trace::DecidedTracePtr smallTrace(const TraceId& id,
                                  TimestampNs start,
                                  std::int64_t duration_ms,
                                  std::string service,
                                  std::string operation,
                                  bool error = false,
                                  std::string attributes = "") {
  record::RecordBatch records;
  records.push_back(
      makeRecord(id, RecordSpec{.service = service,
                                .operation = operation,
                                .span_id = "00000000000000a1",
                                .start_ns = start,
                                .duration_ns = duration_ms * kMs,
                                .status = error ? record::Status::kError : record::Status::kOk,
                                .attributes_json = attributes}));
  records.push_back(makeRecord(id, RecordSpec{.service = "db",
                                              .operation = "select",
                                              .span_id = "00000000000000b2",
                                              .parent_span_id = "00000000000000a1",
                                              .start_ns = start + kMs,
                                              .duration_ns = kMs}));
  return makeDecided(id, std::move(records), error ? "errors" : "latency", start + 2 * kMs);
}

struct Api {
  fixtures::TempDir dir;
  store::StoreConfig config;
  std::unique_ptr<store::TraceStore> writer;
  std::unique_ptr<store::ReaderPool> pool;
  store::TraceCache cache{8 << 20};
  FakePending pending;
  FakeDecisions decisions;
  ManualClock clock{kNow};
  store::QueryConfig query_config;
  std::unique_ptr<TraceQueries> queries;
  std::unique_ptr<QueryApi> api;

  explicit Api(bool with_store = true) {
    config.path = dir.file("traces.db");
    config.max_age = std::chrono::hours(1);
    QuerySources sources;
    sources.pending = &pending;
    sources.decisions = &decisions;
    sources.cache = &cache;
    sources.build_tree = [](const record::RecordBatch& r) { return fixtures::buildTestTree(r); };
    if (with_store) {
      writer = std::move(store::TraceStore::open(config).value());
      pool = std::make_unique<store::ReaderPool>(config.path);
      sources.store = pool.get();
    }
    queries = std::make_unique<TraceQueries>(std::move(sources));
    api = std::make_unique<QueryApi>(*queries, query_config, clock);
  }

  void store(std::vector<trace::DecidedTracePtr> traces, TimestampNs now = kNow) {
    auto written = writer->write(traces, now);
    INFO((written ? std::string() : written.error().message));
    REQUIRE(written);
  }

  HttpResponse get(std::string_view target) const { return api->handle({"GET", target}); }
};

simdjson::dom::element parse(simdjson::dom::parser& parser, const HttpResponse& response) {
  INFO(response.body);
  simdjson::dom::element doc;
  REQUIRE(parser.parse(response.body).get(doc) == simdjson::SUCCESS);
  return doc;
}

std::string reasonOf(const HttpResponse& response) {
  simdjson::dom::parser parser;
  auto reason = parser.parse(response.body)["reason"].get_string();
  return reason.error() ? std::string("<none>") : std::string(reason.value());
}

std::string jaegerMsg(const HttpResponse& response) {
  simdjson::dom::parser parser;
  auto msg = parser.parse(response.body)["errors"].at(0)["msg"].get_string();
  return msg.error() ? std::string("<none>") : std::string(msg.value());
}

std::vector<std::string> traceIdsOf(const HttpResponse& response,
                                    std::string_view array,
                                    std::string_view field) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(response.body);
  std::vector<std::string> ids;
  for (simdjson::dom::element t : doc[array].get_array()) {
    ids.emplace_back(t[field].get_string().value());
  }
  return ids;
}

}  // namespace

// ---- GET /api/v1/traces/{id}

TEST_CASE("A stored trace is served as the tree with its decision", "[query][api]") {
  Api a;
  a.store({makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords(), "errors")});
  const HttpResponse r = a.get("/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["state"].get_string().value() == "kept");
  CHECK(doc["decision"]["policy"].get_string().value() == "errors");
  CHECK(doc["summary"]["span_count"].get_int64().value() == 5);
  auto root = doc["spans"].at(0);
  CHECK(root["service"].get_string().value() == "api-gateway");
  CHECK(root["children"].get_array().size() == 2);
  CHECK(root["children"].at(1)["children"].at(0)["logs"].at(0)["message"].get_string().value() ==
        "issuer said no");
}

TEST_CASE("A trace still buffered is served as pending", "[query][api]") {
  Api a;
  a.pending.traces[fixtures::checkoutTraceId()] =
      makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords());
  const HttpResponse r = a.get("/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736");
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["state"].get_string().value() == "pending");
  CHECK(doc["decision"].is_null());
}

TEST_CASE("A recently kept trace is served from memory, its parts merged", "[query][api]") {
  Api a(false);  // no store at all: the cache alone answers
  record::RecordBatch first;
  record::RecordBatch late;
  for (auto& r : fixtures::checkoutRecords()) {
    (r->serviceName() == "api-gateway" ? late : first).push_back(std::move(r));
  }
  a.cache.put(makeDecided(fixtures::checkoutTraceId(), std::move(first), "errors"));
  a.cache.put(makeDecided(fixtures::checkoutTraceId(), std::move(late), "errors"));
  const HttpResponse r = a.get("/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736");
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["summary"]["record_count"].get_int64().value() == 6);
  CHECK(doc["summary"]["root_service"].get_string().value() == "api-gateway");
  REQUIRE(doc["spans"].get_array().size() == 1);  // one tree again, rooted at the gateway
  CHECK(doc["spans"].at(0)["service"].get_string().value() == "api-gateway");
}

TEST_CASE("Malformed and zero trace ids are 400 with a reason", "[query][api]") {
  Api a;
  const auto [id, reason] = GENERATE(
      std::pair<std::string, std::string>{"4bf92f3577b34da6a3ce929d0e0e473", "malformed_trace_id"},
      std::pair<std::string, std::string>{"4bf92f3577b34da6a3ce929d0e0e47360",
                                          "malformed_trace_id"},
      std::pair<std::string, std::string>{"4BF92F3577B34DA6A3CE929D0E0E4736", "malformed_trace_id"},
      std::pair<std::string, std::string>{"4bf92f3577b34da6a3ce929d0e0e473g", "malformed_trace_id"},
      std::pair<std::string, std::string>{"not-a-trace-id", "malformed_trace_id"},
      std::pair<std::string, std::string>{"00000000000000000000000000000000", "zero_trace_id"});
  CAPTURE(id);
  const HttpResponse r = a.get("/api/v1/traces/" + id);
  CHECK(r.status == 400);
  CHECK(reasonOf(r) == reason);
}

TEST_CASE("Unknown, sampled-out and expired ids are 404 with their reason", "[query][api]") {
  Api a;
  SECTION("unknown") {
    const HttpResponse r = a.get("/api/v1/traces/" + idOf(1).hex());
    CHECK(r.status == 404);
    CHECK(reasonOf(r) == "unknown");
  }
  SECTION("sampled out, from the decision cache") {
    a.decisions.decisions[idOf(2)] =
        trace::DecisionInfo{trace::Decision::kDrop, "probabilistic", kNow - kMs, false};
    const HttpResponse r = a.get("/api/v1/traces/" + idOf(2).hex());
    CHECK(r.status == 404);
    CHECK(reasonOf(r) == "sampled_out");
    simdjson::dom::parser parser;
    auto doc = parse(parser, r);
    CHECK(doc["policy"].get_string().value() == "probabilistic");
    CHECK(doc["trace_id"].get_string().value() == idOf(2).hex());
    CHECK(doc["error"].get_string().value() == "trace not found");
  }
  SECTION("expired, deleted by retention") {
    a.store({smallTrace(idOf(3), kNow, 5, "shop", "GET /")}, kNow);
    REQUIRE(a.get("/api/v1/traces/" + idOf(3).hex()).status == 200);
    REQUIRE(a.writer->enforceRetention(kNow + 2 * 3600 * kNanosPerSecond));
    const HttpResponse r = a.get("/api/v1/traces/" + idOf(3).hex());
    CHECK(r.status == 404);
    CHECK(reasonOf(r) == "expired");
    simdjson::dom::parser parser;
    auto doc = parse(parser, r);
    CHECK(doc["expired_by"].get_string().value() == "age");
  }
  SECTION("kept but never stored") {
    a.decisions.decisions[idOf(4)] = trace::DecisionInfo{trace::Decision::kKeep, "errors", kNow};
    const HttpResponse r = a.get("/api/v1/traces/" + idOf(4).hex());
    CHECK(r.status == 404);
    CHECK(reasonOf(r) == "unknown");
  }
}

// ---- GET /api/v1/traces

namespace {

void storeSearchSet(Api& a) {
  a.store({
      smallTrace(idOf(1), kNow - 50 * kNanosPerSecond, 5, "shop", "GET /"),
      smallTrace(idOf(2), kNow - 40 * kNanosPerSecond, 500, "shop", "POST /buy", true),
      smallTrace(idOf(3), kNow - 30 * kNanosPerSecond, 50, "auth", "login"),
      smallTrace(idOf(4), kNow - 20 * kNanosPerSecond, 1500, "shop", "GET /"),
  });
}

}  // namespace

TEST_CASE("Search returns summaries newest first, filtered by every parameter", "[query][api]") {
  Api a;
  storeSearchSet(a);
  auto ids = [&](std::string_view target) {
    const HttpResponse r = a.get(target);
    INFO(target << " -> " << r.body);
    REQUIRE(r.status == 200);
    std::vector<std::uint64_t> out;
    for (const auto& hex : traceIdsOf(r, "traces", "trace_id")) {
      out.push_back(TraceId::fromHex(hex)->lo);
    }
    return out;
  };
  using Ids = std::vector<std::uint64_t>;
  CHECK(ids("/api/v1/traces") == Ids{4, 3, 2, 1});
  CHECK(ids("/api/v1/traces?service=shop") == Ids{4, 2, 1});
  CHECK(ids("/api/v1/traces?service=shop&operation=GET%20%2F") == Ids{4, 1});
  CHECK(ids("/api/v1/traces?operation=GET+/") == Ids{4, 1});
  CHECK(ids("/api/v1/traces?min_duration=50ms") == Ids{4, 3, 2});
  CHECK(ids("/api/v1/traces?min_duration=50ms&max_duration=0.5s") == Ids{3, 2});
  CHECK(ids("/api/v1/traces?error=true") == Ids{2});
  CHECK(ids("/api/v1/traces?error=false&service=shop") == Ids{4, 1});
  CHECK(ids("/api/v1/traces?policy=errors") == Ids{2});
  // kNow is 22:15:00; the traces started at 22:14:10, :20, :30 and :40.
  CHECK(ids("/api/v1/traces?start=2023-11-14T22:14:20Z&end=2023-11-14T22:14:35Z") == Ids{3, 2});
  CHECK(ids("/api/v1/traces?start=1700000060") == Ids{4, 3, 2});
  CHECK(ids("/api/v1/traces?end=1700000055000") == Ids{1});
  CHECK(ids("/api/v1/traces?limit=2") == Ids{4, 3});
  CHECK(ids("/api/v1/traces?service=nobody").empty());

  const HttpResponse r = a.get("/api/v1/traces?service=shop&error=true");
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["count"].get_int64().value() == 1);
  CHECK(doc["limit"].get_int64().value() == 20);
  auto row = doc["traces"].at(0);
  CHECK(row["root_service"].get_string().value() == "shop");
  CHECK(row["root_operation"].get_string().value() == "POST /buy");
  CHECK(row["duration_ms"].get_double().value() == 500.0);
  CHECK(row["error"].get_bool().value());
  CHECK(row["span_count"].get_int64().value() == 2);
  CHECK(row["policy"].get_string().value() == "errors");
  CHECK(row["state"].get_string().value() == "kept");
  CHECK(row["services"].get_array().size() == 2);
  CHECK(row["start"].get_string().value() == "2023-11-14T22:14:20Z");
}

TEST_CASE("Search rejects every bad parameter with 400 and names it", "[query][api]") {
  Api a;
  const auto [target, parameter] = GENERATE(
      std::pair<std::string, std::string>{"/api/v1/traces?min_duration=fast", "min_duration"},
      std::pair<std::string, std::string>{"/api/v1/traces?max_duration=5", "max_duration"},
      std::pair<std::string, std::string>{"/api/v1/traces?min_duration=2s&max_duration=1s",
                                          "max_duration"},
      std::pair<std::string, std::string>{"/api/v1/traces?error=maybe", "error"},
      std::pair<std::string, std::string>{"/api/v1/traces?start=yesterday", "start"},
      std::pair<std::string, std::string>{"/api/v1/traces?end=2023-13-01T00:00:00Z", "end"},
      std::pair<std::string, std::string>{"/api/v1/traces?start=1700000100&end=1700000000", "end"},
      std::pair<std::string, std::string>{"/api/v1/traces?limit=0", "limit"},
      std::pair<std::string, std::string>{"/api/v1/traces?limit=1001", "limit"},
      std::pair<std::string, std::string>{"/api/v1/traces?limit=ten", "limit"},
      std::pair<std::string, std::string>{"/api/v1/traces?servce=shop", "servce"});
  CAPTURE(target);
  const HttpResponse r = a.get(target);
  CHECK(r.status == 400);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["parameter"].get_string().value() == parameter);
  CHECK(!doc["error"].get_string().value().empty());
}

TEST_CASE("Search without a store says the store is disabled", "[query][api]") {
  Api a(false);
  const HttpResponse r = a.get("/api/v1/traces?service=shop");
  CHECK(r.status == 503);
  CHECK(reasonOf(r) == "store_disabled");
}

TEST_CASE("Own services and operations lists", "[query][api]") {
  Api a;
  storeSearchSet(a);
  CHECK(a.get("/api/v1/services").body == R"({"services":["auth","db","shop"]})");
  CHECK(a.get("/api/v1/services/shop/operations").body ==
        R"({"service":"shop","operations":["GET /","POST /buy"]})");
}

// ---- Jaeger

TEST_CASE("Jaeger: a trace by id in the data envelope", "[query][api][jaeger]") {
  Api a;
  a.store({makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords())});
  for (const std::string_view target : {"/api/traces/4bf92f3577b34da6a3ce929d0e0e4736",
                                        "/api/traces/4BF92F3577B34DA6A3CE929D0E0E4736"}) {
    CAPTURE(target);
    const HttpResponse r = a.get(target);
    REQUIRE(r.status == 200);
    simdjson::dom::parser parser;
    auto doc = parse(parser, r);
    CHECK(doc["data"].get_array().size() == 1);
    CHECK(doc["data"].at(0)["traceID"].get_string().value() == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(doc["data"].at(0)["spans"].get_array().size() == 5);
    CHECK(doc["errors"].is_null());
    CHECK(doc["total"].get_int64().value() == 1);
    CHECK(doc["limit"].get_int64().value() == 0);
    CHECK(doc["offset"].get_int64().value() == 0);
  }
}

TEST_CASE("Jaeger: 64-bit trace ids are left-padded", "[query][api][jaeger]") {
  Api a;
  const TraceId short_id{0, 0xa3ce929d0e0e4736};
  a.store({smallTrace(short_id, kNow - kNanosPerSecond, 5, "shop", "GET /")});
  CHECK(a.get("/api/traces/a3ce929d0e0e4736").status == 200);
}

TEST_CASE("Jaeger: unknown and malformed trace ids", "[query][api][jaeger]") {
  Api a;
  const HttpResponse missing = a.get("/api/traces/" + idOf(9).hex());
  CHECK(missing.status == 404);
  CHECK(
      missing.body ==
      R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]})");
  const HttpResponse bad = a.get("/api/traces/zzz");
  CHECK(bad.status == 400);
  CHECK(jaegerMsg(bad).find("cannot parse traceID") != std::string::npos);
}

TEST_CASE("Jaeger: search by service, operation, durations, time, tags and limit",
          "[query][api][jaeger]") {
  Api a;
  const std::int64_t now_us = kNow / kNanosPerMicro;
  a.store({
      smallTrace(idOf(1), kNow - 50 * kNanosPerSecond, 5, "shop", "GET /", false,
                 R"({"http.status_code":200,"region":"eu"})"),
      smallTrace(idOf(2), kNow - 40 * kNanosPerSecond, 500, "shop", "POST /buy", true,
                 R"({"http.status_code":500,"region":"us"})"),
      smallTrace(idOf(3), kNow - 30 * kNanosPerSecond, 50, "auth", "login"),
      smallTrace(idOf(4), kNow - 3 * 86400 * kNanosPerSecond, 5, "shop", "GET /"),  // too old
  });
  auto ids = [&](const std::string& target) {
    const HttpResponse r = a.get(target);
    INFO(target << " -> " << r.body);
    REQUIRE(r.status == 200);
    std::vector<std::uint64_t> out;
    for (const auto& hex : traceIdsOf(r, "data", "traceID")) {
      out.push_back(TraceId::fromHex(hex)->lo);
    }
    return out;
  };
  using Ids = std::vector<std::uint64_t>;
  // Without start, Jaeger looks back two days.
  CHECK(ids("/api/traces?service=shop") == Ids{2, 1});
  CHECK(ids("/api/traces?service=shop&lookback=custom") == Ids{2, 1});
  CHECK(ids("/api/traces?service=shop&lookback=7d") == Ids{2, 1, 4});
  CHECK(ids("/api/traces?service=shop&operation=GET%20%2F") == Ids{1});
  CHECK(ids("/api/traces?service=shop&minDuration=100ms") == Ids{2});
  CHECK(ids("/api/traces?service=shop&maxDuration=100ms") == Ids{1});
  CHECK(ids("/api/traces?service=shop&start=" + std::to_string(now_us - 45'000'000) +
            "&end=" + std::to_string(now_us)) == Ids{2});
  CHECK(ids("/api/traces?service=shop&limit=1") == Ids{2});
  CHECK(ids("/api/traces?service=shop&tags=%7B%22region%22%3A%22eu%22%7D") == Ids{1});
  CHECK(ids("/api/traces?service=shop&tags=%7B%22http.status_code%22%3A%22500%22%7D") == Ids{2});
  CHECK(ids("/api/traces?service=shop&tag=error:true") == Ids{2});
  CHECK(ids("/api/traces?service=shop&tag=region:eu&tag=http.status_code:500").empty());
  CHECK(ids("/api/traces?service=nobody").empty());
  // Grafana's extra parameters are ignored.
  CHECK(ids("/api/traces?service=auth&spanKind=server&prettyPrint=true") == Ids{3});

  const HttpResponse r = a.get("/api/traces?service=auth");
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["total"].get_int64().value() == 1);
  CHECK(doc["errors"].is_null());
  auto span = doc["data"].at(0)["spans"].at(0);
  CHECK(span["operationName"].get_string().value() == "login");
}

TEST_CASE("Jaeger: search by explicit trace ids reports the missing ones", "[query][api][jaeger]") {
  Api a;
  a.store({smallTrace(idOf(1), kNow - kNanosPerSecond, 5, "shop", "GET /")});
  const HttpResponse r =
      a.get("/api/traces?traceID=" + idOf(1).hex() + "&traceID=" + idOf(7).hex());
  REQUIRE(r.status == 200);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["data"].get_array().size() == 1);
  REQUIRE(doc["errors"].get_array().size() == 1);
  CHECK(doc["errors"].at(0)["traceID"].get_string().value() == idOf(7).hex());
  CHECK(doc["errors"].at(0)["msg"].get_string().value() == "trace not found");
}

TEST_CASE("Jaeger: search parameter errors use Jaeger's messages", "[query][api][jaeger]") {
  Api a;
  const auto [target, message] = GENERATE(
      std::pair<std::string, std::string>{"/api/traces", "parameter 'service' is required"},
      std::pair<std::string, std::string>{"/api/traces?service=a&minDuration=x",
                                          "unable to parse param 'minDuration'"},
      std::pair<std::string, std::string>{"/api/traces?service=a&minDuration=2s&maxDuration=1s",
                                          "'maxDuration' should be greater than 'minDuration'"},
      std::pair<std::string, std::string>{"/api/traces?service=a&start=noon",
                                          "unable to parse param 'start'"},
      std::pair<std::string, std::string>{"/api/traces?service=a&end=1.5",
                                          "unable to parse param 'end'"},
      std::pair<std::string, std::string>{"/api/traces?service=a&limit=many",
                                          "unable to parse param 'limit'"},
      std::pair<std::string, std::string>{"/api/traces?service=a&tags=%5B1%5D",
                                          "malformed 'tags' parameter"},
      std::pair<std::string, std::string>{"/api/traces?service=a&tag=novalue",
                                          "malformed 'tag' parameter"},
      std::pair<std::string, std::string>{"/api/traces?traceID=xyz", "cannot parse traceID param"});
  CAPTURE(target);
  const HttpResponse r = a.get(target);
  CHECK(r.status == 400);
  CHECK(jaegerMsg(r).find(message) == 0);
  simdjson::dom::parser parser;
  auto doc = parse(parser, r);
  CHECK(doc["data"].is_null());
  CHECK(doc["errors"].at(0)["code"].get_int64().value() == 400);
}

TEST_CASE("Jaeger: services and operations", "[query][api][jaeger]") {
  Api a;
  storeSearchSet(a);
  CHECK(a.get("/api/services").body ==
        R"({"data":["auth","db","shop"],"total":3,"limit":0,"offset":0,"errors":null})");
  CHECK(a.get("/api/services/shop/operations").body ==
        R"({"data":["GET /","POST /buy"],"total":2,"limit":0,"offset":0,"errors":null})");
  CHECK(a.get("/api/services/nobody/operations").body ==
        R"({"data":[],"total":0,"limit":0,"offset":0,"errors":null})");
  CHECK(
      a.get("/api/operations?service=auth").body ==
      R"({"data":[{"name":"login","spanKind":""}],"total":1,"limit":0,"offset":0,"errors":null})");
  const HttpResponse missing = a.get("/api/operations");
  CHECK(missing.status == 400);
  CHECK(jaegerMsg(missing) == "parameter 'service' is required");
  // A service name with a slash, percent-encoded in the path.
  a.store({smallTrace(idOf(20), kNow - kNanosPerSecond, 5, "svc/a b", "op")});
  CHECK(a.get("/api/services/svc%2Fa%20b/operations").body ==
        R"({"data":["op"],"total":1,"limit":0,"offset":0,"errors":null})");
}

TEST_CASE("Jaeger: without a store the lists are empty, not errors", "[query][api][jaeger]") {
  Api a(false);
  CHECK(a.get("/api/services").status == 200);
  const HttpResponse r = a.get("/api/traces?service=shop");
  CHECK(r.status == 200);
  CHECK(traceIdsOf(r, "data", "traceID").empty());
}

// ---- routing

TEST_CASE("Only GET is allowed, unknown paths are 404", "[query][api]") {
  Api a;
  HttpResponse r = a.api->handle({"POST", "/api/v1/traces"});
  CHECK(r.status == 405);
  CHECK(r.allow == "GET");
  CHECK(reasonOf(r) == "method_not_allowed");
  r = a.api->handle({"DELETE", "/api/traces/abc"});
  CHECK(r.status == 405);
  CHECK(a.get("/api/v1/traces/a/b").status == 404);
  CHECK(a.get("/api/services/x/y").status == 404);
  CHECK(a.get("/api/v1/traces/%zz").status == 400);
}

TEST_CASE("QueryApi::serves claims its paths and no others", "[query][api]") {
  for (const std::string_view path :
       {"/api/v1/traces", "/api/v1/traces/abc", "/api/v1/services", "/api/traces", "/api/traces/x",
        "/api/services", "/api/services/x/operations", "/api/operations"}) {
    CAPTURE(path);
    CHECK(QueryApi::serves(path));
  }
  for (const std::string_view path : {"/v1/logs", "/metrics", "/api/v1/tracesx", "/api", "/"}) {
    CAPTURE(path);
    CHECK_FALSE(QueryApi::serves(path));
  }
  CHECK(QueryApi::routes().size() == 5);
  for (const std::string_view route : QueryApi::routes()) {
    CHECK(QueryApi::serves(route));
  }
}

TEST_CASE("Query strings are percent-decoded; bad escapes are errors", "[query][api]") {
  auto params = QueryParams::parse("a=1&b=x%20y&c=GET+%2F&a=2&empty=&flag");
  REQUIRE(params);
  CHECK(params->get("a") == "1");
  CHECK(params->all("a") == std::vector<std::string>{"1", "2"});
  CHECK(params->get("b") == "x y");
  CHECK(params->get("c") == "GET /");
  CHECK_FALSE(params->get("empty"));
  CHECK_FALSE(params->get("flag"));
  CHECK_FALSE(params->get("missing"));
  CHECK_FALSE(QueryParams::parse("a=%4"));
  CHECK_FALSE(QueryParams::parse("a=%zz"));
  CHECK(percentEncode("GET /a?b") == "GET%20%2Fa%3Fb");
  CHECK(percentDecode(percentEncode("svc/é x"), false) == "svc/é x");
}
