#include "daemon/export/otlp_http_exporter.h"

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "core/export/gzip.h"
#include "daemon/export/export_fanout.h"
#include "daemon/version.h"
#include "tests/unit/core/export/export_fixtures.h"
#include "tests/unit/daemon/export/temp_dir.h"
#include "tests/unit/daemon/export/test_http_server.h"

using namespace stitch;
using namespace stitch::daemon;
using namespace stitch::exporting;
using namespace stitch::testing;
using namespace std::chrono_literals;
namespace dom = simdjson::dom;

namespace {

SteadyTime in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

ExporterCommonConfig fastRetries() {
  ExporterCommonConfig common;
  common.flush_interval = 1ms;
  common.retry.initial_backoff = 1ms;
  common.retry.max_backoff = 4ms;
  return common;
}

std::string body(const TestHttpServer::Request& request) {
  if (request.headers.count("content-encoding") != 0 &&
      request.headers.at("content-encoding") == "gzip") {
    std::string plain;
    REQUIRE(gzipDecompress(request.body, plain, 64U << 20));
    return plain;
  }
  return request.body;
}

// Span ids (traces) or log bodies (logs) in an OTLP request, in order.
std::vector<std::string> idsIn(const TestHttpServer::Request& request) {
  dom::parser parser;
  dom::element root = parser.parse(body(request));
  std::vector<std::string> ids;
  const bool traces = request.target.ends_with("/v1/traces");
  for (dom::element rs : root[traces ? "resourceSpans" : "resourceLogs"].get_array()) {
    for (dom::element ss : rs[traces ? "scopeSpans" : "scopeLogs"].get_array()) {
      for (dom::element m : ss[traces ? "spans" : "logRecords"].get_array()) {
        ids.emplace_back(traces ? std::string_view(m["spanId"])
                                : std::string_view(m["body"]["stringValue"]));
      }
    }
  }
  return ids;
}

double value(const metrics::Registry& registry,
             std::string_view name,
             const std::string& exporter,
             metrics::Labels extra = {}) {
  metrics::Labels labels{{"exporter", exporter}};
  for (auto& l : extra) {
    labels.push_back(l);
  }
  return registry.valueOf(name, labels);
}

// A trace with two spans and one log event per span, numbered so that ids are unique.
ExportItem numberedTrace(std::uint64_t n) {
  std::vector<RecordSpec> specs = {spanSpec(n * 10 + 1, 0, "root"),
                                   spanSpec(n * 10 + 2, n * 10 + 1, "child"),
                                   logSpec(n * 10 + 1, "log " + std::to_string(n))};
  for (auto& s : specs) {
    s.trace_id = record::TraceId{n + 1, n + 1};
  }
  return ExportItem::trace(makeTrace(makeBatch(specs), {}, specs[0].trace_id));
}

}  // namespace

TEST_CASE("A kept trace reaches every exporter exactly once through an OTLP outage", "[export]") {
  std::atomic<int> outage{6};  // the first requests fail with 503, then the server recovers
  TestHttpServer server([&](const TestHttpServer::Request&, std::size_t) {
    TestHttpServer::Reply reply;
    if (outage.fetch_sub(1) > 0) {
      reply.status = 503;
      reply.body = R"({"code":14,"message":"collector starting"})";
    }
    return reply;
  });
  TempDir dir;
  metrics::Registry registry;
  ManualClock clock;
  ExporterConfig otlp;
  otlp.name = "collector";
  otlp.common = fastRetries();
  otlp.common.batch_max_items = 8;
  OtlpHttpExporterConfig otlp_settings;
  otlp_settings.endpoint = server.endpoint();
  otlp.settings = otlp_settings;
  ExporterConfig file;
  file.name = "archive";
  file.common = fastRetries();
  FileExporterConfig file_settings;
  file_settings.path = dir.file("kept.ndjson");
  file.settings = file_settings;
  ExporterRegistry types;
  registerBuiltinExporters(types);
  ExportFanout fanout({otlp, file}, types, ExporterContext{registry, clock, 7});
  fanout.start();
  constexpr int kTraces = 50;
  for (int n = 0; n < kTraces; ++n) {
    CHECK(fanout.push(numberedTrace(static_cast<std::uint64_t>(n))) == 2);
  }
  fanout.push(ExportItem::untracedLogs(makeBatch({[] {
    RecordSpec s;
    s.traced = false;
    s.message = "untraced";
    return s;
  }()})));
  const auto reports = fanout.stop(in(30s));
  for (const auto& [name, report] : reports) {
    CAPTURE(name);
    CHECK(report.drained());
  }

  // The first six requests were refused (503) and sent again; what the server acknowledged
  // must hold every span and log exactly once.
  const auto requests = server.requests();
  std::multiset<std::string> acked_spans;
  std::multiset<std::string> acked_logs;
  for (std::size_t i = 6; i < requests.size(); ++i) {  // the first six were refused
    for (auto& id : idsIn(requests[i])) {
      (requests[i].target == "/v1/traces" ? acked_spans : acked_logs).insert(id);
    }
  }
  CHECK(acked_spans.size() == 2 * kTraces);
  CHECK(std::set<std::string>(acked_spans.begin(), acked_spans.end()).size() == 2 * kTraces);
  CHECK(acked_logs.size() == kTraces + 1);
  CHECK(std::set<std::string>(acked_logs.begin(), acked_logs.end()).size() == kTraces + 1);
  CHECK(value(registry, "stitch_exporter_failed_total", "collector", {{"reason", "http_503"}}) ==
        6);
  CHECK(value(registry, "stitch_exporter_retries_total", "collector") == 6);
  CHECK(value(registry, "stitch_exporter_sent_records_total", "collector") == 3 * kTraces + 1);
  CHECK(value(registry, "stitch_exporter_sent_records_total", "archive") == 3 * kTraces + 1);
  CHECK(value(registry, "stitch_exporter_dropped_total", "collector",
              {{"reason", "retries_exhausted"}}) == 0);
}

TEST_CASE("OTLP requests are gzipped JSON with the configured headers and paths", "[export]") {
  TestHttpServer server(
      [](const TestHttpServer::Request&, std::size_t) { return TestHttpServer::Reply{}; });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint() + "/otlp";
  config.headers = {{"X-Api-Key", "secret"}, {"X-Scope-OrgID", "tenant-1"}};
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(1));
  exporter.stop(in(10s));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  std::set<std::string> targets;
  for (const auto& r : requests) {
    targets.insert(r.target);
    CHECK(r.method == "POST");
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(r.headers.at("content-encoding") == "gzip");
    CHECK(r.headers.at("x-api-key") == "secret");
    CHECK(r.headers.at("x-scope-orgid") == "tenant-1");
    CHECK(r.headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(r.headers.at("user-agent") == "stitch/" + std::string(kVersion));
    CHECK(static_cast<unsigned char>(r.body[0]) == 0x1f);
    dom::parser parser;
    dom::element root;
    REQUIRE(parser.parse(body(r)).get(root) == simdjson::SUCCESS);
  }
  CHECK(targets == std::set<std::string>{"/otlp/v1/traces", "/otlp/v1/logs"});
  CHECK(idsIn(requests[0]).size() + idsIn(requests[1]).size() == 3);
  CHECK(exporter.name() == "otlp");
  CHECK(server.connections() == 1);  // keep-alive: both requests on one connection
}

TEST_CASE("OTLP without compression sends the JSON as is", "[export]") {
  TestHttpServer server(
      [](const TestHttpServer::Request&, std::size_t) { return TestHttpServer::Reply{}; });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  config.compression = Compression::kNone;
  config.logs_path = "";  // a trace-only backend
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(2));
  exporter.stop(in(10s));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].headers.count("content-encoding") == 0);
  CHECK(requests[0].body.front() == '{');
  CHECK(value(registry, "stitch_exporter_dropped_total", "otlp", {{"reason", "signal_disabled"}}) ==
        1);
}

TEST_CASE("OTLP permanent errors are not retried; they are counted", "[export]") {
  TestHttpServer server([](const TestHttpServer::Request&, std::size_t) {
    TestHttpServer::Reply reply;
    reply.status = 400;
    reply.body = R"({"code":3,"message":"bad span"})";
    return reply;
  });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(3));
  const StopReport report = exporter.stop(in(10s));
  CHECK(report.drained());
  CHECK(server.requests().size() == 2);  // one per signal, no retry
  CHECK(value(registry, "stitch_exporter_failed_total", "otlp", {{"reason", "http_400"}}) == 2);
  CHECK(value(registry, "stitch_exporter_dropped_total", "otlp", {{"reason", "permanent_error"}}) ==
        3);
  CHECK(value(registry, "stitch_exporter_retries_total", "otlp") == 0);
}

TEST_CASE("OTLP partial success counts the rejected records", "[export]") {
  TestHttpServer server([](const TestHttpServer::Request& r, std::size_t) {
    TestHttpServer::Reply reply;
    if (r.target == "/v1/traces") {
      reply.body = R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"span too old"}})";
    }
    return reply;
  });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(4));
  exporter.stop(in(10s));
  CHECK(value(registry, "stitch_exporter_sent_records_total", "otlp") == 2);
  CHECK(value(registry, "stitch_exporter_dropped_total", "otlp", {{"reason", "rejected"}}) == 1);
}

TEST_CASE("OTLP honours Retry-After on 429", "[export]") {
  TestHttpServer server([](const TestHttpServer::Request&, std::size_t index) {
    TestHttpServer::Reply reply;
    if (index == 0) {
      reply.status = 429;
      reply.headers = {{"Retry-After", "0"}};
    }
    return reply;
  });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  config.logs_path = "";
  ExporterCommonConfig common = fastRetries();
  common.retry.initial_backoff = 10min;  // only Retry-After can make this quick
  common.retry.max_backoff = 10min;
  common.retry.jitter = 0;
  Exporter exporter("otlp", common, std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(5));
  REQUIRE(server.waitForRequests(2));
  exporter.stop(in(10s));
  CHECK(value(registry, "stitch_exporter_sent_records_total", "otlp") == 2);
  CHECK(value(registry, "stitch_exporter_failed_total", "otlp", {{"reason", "http_429"}}) == 1);
}

TEST_CASE("OTLP survives a server that closes kept-alive connections", "[export]") {
  TestHttpServer server([](const TestHttpServer::Request&, std::size_t) {
    TestHttpServer::Reply reply;
    reply.close = true;  // answers "keep-alive", then hangs up
    return reply;
  });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  config.logs_path = "";
  ExporterCommonConfig common = fastRetries();
  common.batch_max_items = 1;
  Exporter exporter("otlp", common, std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  for (std::uint64_t n = 0; n < 5; ++n) {
    exporter.push(numberedTrace(n));
  }
  exporter.start();
  exporter.stop(in(10s));
  CHECK(server.requests().size() == 5);
  CHECK(value(registry, "stitch_exporter_sent_records_total", "otlp") == 10);
  CHECK(value(registry, "stitch_exporter_retries_total", "otlp") == 0);
}

TEST_CASE("OTLP retries when nothing listens, and reports the loss at shutdown", "[export]") {
  std::uint16_t closed_port = 0;
  {
    TestHttpServer probe(
        [](const TestHttpServer::Request&, std::size_t) { return TestHttpServer::Reply{}; });
    closed_port = probe.port();
  }  // the port is free again: connecting is refused
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = "http://127.0.0.1:" + std::to_string(closed_port);
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(6));
  while (value(registry, "stitch_exporter_failed_total", "otlp", {{"reason", "connect"}}) < 3) {
    std::this_thread::yield();
  }
  const StopReport report = exporter.stop(in(50ms));
  CHECK(report.undelivered_records == 3);
  CHECK(value(registry, "stitch_exporter_dropped_total", "otlp", {{"reason", "shutdown"}}) == 3);
}

TEST_CASE("OTLP times out on a server that never answers, and retries", "[export]") {
  TestHttpServer server([](const TestHttpServer::Request&, std::size_t index) {
    TestHttpServer::Reply reply;
    reply.no_response = index == 0;
    return reply;
  });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  config.logs_path = "";
  config.timeout = 100ms;
  Exporter exporter("otlp", fastRetries(), std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(numberedTrace(7));
  REQUIRE(server.waitForRequests(2));
  const StopReport report = exporter.stop(in(10s));
  CHECK(report.drained());
  CHECK(value(registry, "stitch_exporter_failed_total", "otlp", {{"reason", "timeout"}}) == 1);
  CHECK(value(registry, "stitch_exporter_sent_records_total", "otlp") == 2);
  CHECK(server.connections() == 2);  // a timed-out connection is not reused
}

TEST_CASE("OTLP splits a large batch into requests of bounded size", "[export]") {
  TestHttpServer server(
      [](const TestHttpServer::Request&, std::size_t) { return TestHttpServer::Reply{}; });
  metrics::Registry registry;
  ManualClock clock;
  OtlpHttpExporterConfig config;
  config.endpoint = server.endpoint();
  config.compression = Compression::kNone;
  config.max_request_bytes = 8192;
  ExporterCommonConfig common = fastRetries();
  common.batch_max_items = 1000;
  Exporter exporter("otlp", common, std::make_unique<OtlpHttpExporter>(config, clock),
                    ExporterContext{registry, clock, 1});
  for (std::uint64_t n = 0; n < 200; ++n) {
    exporter.push(numberedTrace(n));
  }
  exporter.start();
  exporter.stop(in(10s));
  const auto requests = server.requests();
  CHECK(requests.size() > 10);
  std::size_t messages = 0;
  for (const auto& r : requests) {
    CHECK(r.body.size() <= config.max_request_bytes);
    messages += idsIn(r).size();
  }
  CHECK(messages == 600);
}
