// The `exporters:` section: YAML onto stitch::exporting::ExportConfig, with positions in every
// problem.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.h"

using namespace stitch::exporting;
using stitch::config::ConfigError;
using stitch::config::loadConfigString;
using stitch::config::StitchConfig;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> problemsOf(const std::string& yaml) {
  try {
    (void)loadConfigString(yaml, "stitch.yaml");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

}  // namespace

TEST_CASE("exporters: each type with its own and the common keys", "[config][export]") {
  const StitchConfig c = loadConfigString(R"(
exporters:
  - type: file
    name: archive
    path: /var/log/stitch/kept.ndjson
    mode: per_trace
    rotate: {max_size: 64MiB, max_age: 24h, max_files: 3}
    fsync: batch
    full_policy: drop
    queue_size: 100
    batch_max_bytes: 1MiB
  - type: otlp_http
    endpoint: http://collector:4318/otlp
    logs_path: ""
    headers: {Authorization: "Bearer t0k", X-Scope-OrgID: tenant}
    compression: none
    timeout: 2s
    log_events: span_events
    retry: {initial_backoff: 50ms, max_backoff: 5s, max_elapsed: 0s, jitter: 0.5}
  - type: stdout
)",
                                          "stitch.yaml");
  const auto& list = c.exporting.exporters;
  REQUIRE(list.size() == 3);

  CHECK(list[0].name == "archive");
  CHECK(list[0].type() == "file");
  const auto& file = std::get<FileExporterConfig>(list[0].settings);
  CHECK(file.path == "/var/log/stitch/kept.ndjson");
  CHECK(file.mode == NdjsonMode::kPerTrace);
  CHECK(file.rotate.max_size == 64ULL << 20);
  CHECK(file.rotate.max_age == 24h);
  CHECK(file.rotate.max_files == 3);
  CHECK(file.fsync == FsyncPolicy::kBatch);
  CHECK(list[0].common.full_policy == FullPolicy::kDrop);
  CHECK(list[0].common.queue_size == 100);
  CHECK(list[0].common.batch_max_bytes == 1ULL << 20);

  const auto& otlp = std::get<OtlpHttpExporterConfig>(list[1].settings);
  CHECK(otlp.endpoint == "http://collector:4318/otlp");
  CHECK(otlp.logs_path.empty());
  CHECK(otlp.traces_path == "/v1/traces");
  CHECK(otlp.headers.at("Authorization") == "Bearer t0k");
  CHECK(otlp.compression == Compression::kNone);
  CHECK(otlp.timeout == 2s);
  CHECK(otlp.log_events == LogEventMode::kSpanEvents);
  CHECK(list[1].common.retry.initial_backoff == 50ms);
  CHECK(list[1].common.retry.max_elapsed == 0ms);
  CHECK(list[1].common.retry.jitter == 0.5);

  CHECK(list[2].type() == "stdout");
  CHECK(exporterNames(list) == std::vector<std::string>{"archive", "otlp_http", "stdout"});
  CHECK(validateExporters(list).empty());

  CHECK(loadConfigString(stitch::config::configToYaml(c), "dump.yaml") == c);
}

TEST_CASE("exporters: problems point at the offending key", "[config][export]") {
  const auto problems = problemsOf(R"(exporters:
  - type: file
    path: /tmp/x.ndjson
    rotate: {max_size: 1MiB, max_files: 0}
    retry: {jitter: 2}
  - type: otlp_http
    path: /tmp/y
    endpoint: ftp://collector
  - type: kafka
  - path: /tmp/z
  - type: stdout
    name: archive
  - type: stdout
    name: archive
  - type: file
)");
  const std::vector<std::string> expected = {
      "stitch.yaml:4:30: exporters[0].rotate.max_files: must be positive when rotation is on",
      "stitch.yaml:5:21: exporters[0].retry.jitter: must be from 0 to 1, got 2",
      "stitch.yaml:7:5: exporters[1].path: not a key of type \"otlp_http\" (it belongs to type "
      "file)",
      "stitch.yaml:8:5: exporters[1].endpoint: unsupported scheme \"ftp\" (use http://)",
      "stitch.yaml:9:11: exporters[2].type: unknown type \"kafka\"; expected one of file, stdout, "
      "otlp_http",
      "stitch.yaml:10:5: exporters[3].type: required key is missing; one of file, stdout, "
      "otlp_http",
      "stitch.yaml:14:5: exporters[5].name: \"archive\" is already the name of exporters[4]",
      "stitch.yaml:15:5: exporters[6].path: required key is missing"};
  CHECK(problems == expected);
}
