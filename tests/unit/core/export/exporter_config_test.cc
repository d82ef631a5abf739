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
  CHECK(validateExporter(stdout_config).empty());
  ExporterConfig otlp;
  otlp.settings = OtlpHttpExporterConfig{};
  CHECK(otlp.type() == "otlp_http");
  CHECK(validateExporter(otlp).empty());
  ExporterConfig file;
  file.settings = FileExporterConfig{};
  CHECK(file.type() == "file");
  const auto problems = validateExporter(file);
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
  const auto problems = validateExporter(config);
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
  ExporterConfig config;
  config.settings = file;
  const auto problems = validateExporter(config);
  CHECK(mentions(problems, "rotate.max_files"));
  CHECK(mentions(problems, "rotate.max_size"));
  file.rotate = {};
  file.rotate.max_size = 0;
  file.rotate.max_files = 0;
  config.settings = file;
  CHECK(validateExporter(config).empty());
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

TEST_CASE("Each config struct checks only its own keys, as the config loader expects", "[export]") {
  ExporterConfig config;
  config.common.queue_size = 0;
  config.common.retry.jitter = 2;
  FileExporterConfig file;
  file.path = "x.ndjson";
  file.rotate.max_files = 0;
  config.settings = file;
  // The loader runs every struct's validate(); a parent repeating its children's problems
  // would report them twice.
  CHECK(config.common.validate().size() == 1);
  CHECK(config.common.retry.validate().size() == 1);
  CHECK(file.validate().empty());
  CHECK(file.rotate.validate().size() == 1);
  CHECK(validateExporter(config).size() == 3);
}

TEST_CASE("The exporters section reports repeated names at the later entry", "[export]") {
  ExportConfig section;
  section.exporters.resize(2);
  section.exporters[0].name = "out";
  section.exporters[1].name = "out";
  const auto problems = section.validate();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "exporters[1].name");
  CHECK(ExportConfig{} == ExportConfig{});
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
