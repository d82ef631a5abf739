#include "core/export/exporter_config.h"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::exporting;
using namespace std::chrono_literals;

namespace {

bool mentions(const ConfigProblems& problems, std::string_view path) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const ConfigProblem& p) { return p.path == path; });
}

}  // namespace

TEST_CASE("Exporter defaults are valid except the file path, which is required", "[export]") {
  ExporterConfig stdout_config;
  CHECK(stdout_config.type() == "stdout");
  CHECK(stdout_config.validate().empty());
  ExporterConfig otlp;
  otlp.settings = OtlpHttpExporterConfig{};
  CHECK(otlp.type() == "otlp_http");
  CHECK(otlp.validate().empty());
  ExporterConfig file;
  file.settings = FileExporterConfig{};
  CHECK(file.type() == "file");
  const auto problems = file.validate();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "path");
}

TEST_CASE("Exporter validation reports every problem with its key path", "[export]") {
  ExporterConfig config;
  config.common.queue_size = 0;
  config.common.batch_max_items = 0;
  config.common.retry.initial_backoff = 0ms;
  config.common.retry.jitter = 1.5;
  OtlpHttpExporterConfig otlp;
  otlp.endpoint = "https://vendor.io";
  otlp.traces_path = "v1/traces";
  otlp.headers = {{"Authorization", "Bearer x"},
                  {"bad header", "x"},
                  {"Content-Type", "text/plain"},
                  {"X-Evil", "a\r\nb"},
                  {"authorization", "again"}};
  otlp.timeout = 0ms;
  config.settings = otlp;
  const auto problems = config.validate();
  for (const char* path : {"queue_size", "batch_max_items", "retry.initial_backoff", "retry.jitter",
                           "endpoint", "traces_path", "headers.bad header", "headers.Content-Type",
                           "headers.X-Evil", "headers.authorization", "timeout"}) {
    CAPTURE(path);
    CHECK(mentions(problems, path));
  }
  CHECK_FALSE(mentions(problems, "headers.Authorization"));
}

TEST_CASE("File rotation needs max_files and a sane max_size", "[export]") {
  FileExporterConfig file;
  file.path = "/var/log/stitch/out.ndjson";
  file.rotate.max_files = 0;
  file.rotate.max_size = 100;
  const auto problems = file.validate();
  CHECK(mentions(problems, "rotate.max_files"));
  CHECK(mentions(problems, "rotate.max_size"));
  file.rotate = {};
  file.rotate.max_size = 0;
  file.rotate.max_files = 0;
  CHECK(file.validate().empty());
}

TEST_CASE("Exporter names default to the type and are unique", "[export]") {
  std::vector<ExporterConfig> list(3);
  list[1].settings = OtlpHttpExporterConfig{};
  CHECK(exporterNames(list) == std::vector<std::string>{"stdout_0", "otlp_http", "stdout_2"});
  CHECK(validateExporters(list).empty());
  list[2].name = "otlp_http";  // an unnamed exporter of that type steps aside
  CHECK(exporterNames(list) == std::vector<std::string>{"stdout", "otlp_http_1", "otlp_http"});
  CHECK(validateExporters(list).empty());
  list[0].name = "otlp_http";
  const auto problems = validateExporters(list);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "[2].name");
  list[0].common.queue_size = 0;
  CHECK(mentions(validateExporters(list), "[0].queue_size"));
}

TEST_CASE("Enum spellings round-trip", "[export]") {
  for (auto p : {FullPolicy::kBlock, FullPolicy::kDrop}) {
    CHECK(fullPolicyFromName(fullPolicyName(p)) == p);
  }
  for (auto m : {NdjsonMode::kPerRecord, NdjsonMode::kPerTrace}) {
    CHECK(ndjsonModeFromName(ndjsonModeName(m)) == m);
  }
  for (auto f : {FsyncPolicy::kNever, FsyncPolicy::kBatch, FsyncPolicy::kInterval}) {
    CHECK(fsyncPolicyFromName(fsyncPolicyName(f)) == f);
  }
  for (auto c : {Compression::kNone, Compression::kGzip}) {
    CHECK(compressionFromName(compressionName(c)) == c);
  }
  for (auto l : {LogEventMode::kLogRecords, LogEventMode::kSpanEvents, LogEventMode::kBoth}) {
    CHECK(logEventModeFromName(logEventModeName(l)) == l);
  }
  CHECK_FALSE(fullPolicyFromName("Block"));
  CHECK(fullPolicyName(FullPolicy::kDrop) == "drop");
}
