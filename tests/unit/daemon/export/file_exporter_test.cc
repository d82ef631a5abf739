#include "daemon/export/file_exporter.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "daemon/export/export_fanout.h"
#include "tests/unit/core/export/export_fixtures.h"
#include "tests/unit/daemon/export/temp_dir.h"

using namespace stitch;
using namespace stitch::daemon;
using namespace stitch::exporting;
using namespace stitch::testing;
using namespace std::chrono_literals;

namespace {

SteadyTime in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

std::vector<std::string> fileLines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(readFile(path));
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("file exporter writes every record's line once, traced or not", "[export]") {
  TempDir dir;
  metrics::Registry registry;
  ManualClock clock;
  ExporterConfig config;
  config.name = "archive";
  config.common.flush_interval = 1ms;
  FileExporterConfig file;
  file.path = dir.file("out.ndjson");
  config.settings = file;
  ExporterRegistry types;
  registerBuiltinExporters(types);
  ExportFanout fanout({config}, types, ExporterContext{registry, clock, 1});
  fanout.start();
  for (int t = 0; t < 20; ++t) {
    std::vector<RecordSpec> specs = {spanSpec(1, 0, "root"),
                                     logSpec(1, "log " + std::to_string(t))};
    specs[1].raw = R"({"msg":"log )" + std::to_string(t) + "\"}";
    fanout.push(ExportItem::trace(makeTrace(makeBatch(specs))));
  }
  RecordSpec untraced;
  untraced.traced = false;
  untraced.raw = R"({"msg":"untraced"})";
  fanout.push(ExportItem::untracedLogs(makeBatch({untraced})));
  const auto reports = fanout.stop(in(10s));
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].first == "archive");
  CHECK(reports[0].second.drained());
  const auto lines = fileLines(file.path);
  REQUIRE(lines.size() == 41);
  for (int t = 0; t < 20; ++t) {
    CHECK(std::count(lines.begin(), lines.end(), R"({"msg":"log )" + std::to_string(t) + "\"}") ==
          1);
  }
  CHECK(std::count(lines.begin(), lines.end(), R"({"msg":"untraced"})") == 1);
  CHECK(registry.valueOf("stitch_exporter_sent_records_total", {{"exporter", "archive"}}) == 41);
}

TEST_CASE("file exporter per_trace writes one JSON object per trace", "[export]") {
  TempDir dir;
  metrics::Registry registry;
  ManualClock clock;
  ExporterCommonConfig common;
  FileExporterConfig file;
  file.path = dir.file("traces.ndjson");
  file.mode = NdjsonMode::kPerTrace;
  Exporter exporter("t", common, std::make_unique<FileExporter>(file, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(ExportItem::trace(makeTrace(makeBatch({spanSpec(1, 0, "a"), logSpec(1, "b")}))));
  exporter.push(ExportItem::trace(makeTrace(makeBatch({spanSpec(2, 0, "c")}), {}, kTraceB)));
  exporter.stop(in(10s));
  const auto lines = fileLines(file.path);
  REQUIRE(lines.size() == 2);
  simdjson::dom::parser parser;
  for (const auto& line : lines) {
    simdjson::dom::element e;
    REQUIRE(parser.parse(line).get(e) == simdjson::SUCCESS);
    CHECK(e["records"].is_array());
  }
}

TEST_CASE("file exporter on a full disk retries and counts, never crashes", "[export]") {
  metrics::Registry registry;
  ManualClock clock;
  ExporterCommonConfig common;
  common.flush_interval = 1ms;
  common.retry.initial_backoff = 1ms;
  common.retry.max_backoff = 2ms;
  FileExporterConfig file;
  file.path = "/dev/full";
  file.rotate.max_size = 0;
  file.fsync = FsyncPolicy::kNever;
  Exporter exporter("full", common, std::make_unique<FileExporter>(file, clock),
                    ExporterContext{registry, clock, 1});
  exporter.start();
  exporter.push(ExportItem::untracedLogs(makeBatch({logSpec(1, "a"), logSpec(1, "b")})));
  const metrics::Labels failed{{"exporter", "full"}, {"reason", "disk_full"}};
  while (registry.valueOf("stitch_exporter_failed_total", failed) < 3) {
    std::this_thread::yield();
  }
  const StopReport report = exporter.stop(in(20ms));
  CHECK(report.undelivered_records == 2);
  CHECK(registry.valueOf("stitch_exporter_retries_total", {{"exporter", "full"}}) >= 2);
  CHECK(registry.valueOf("stitch_exporter_sent_records_total", {{"exporter", "full"}}) == 0);
}

TEST_CASE("file exporter counts fsyncs under the batch policy", "[export]") {
  TempDir dir;
  metrics::Registry registry;
  ManualClock clock;
  ExporterCommonConfig common;
  common.batch_max_items = 1;
  FileExporterConfig file;
  file.path = dir.file("synced.ndjson");
  file.fsync = FsyncPolicy::kBatch;
  Exporter exporter("s", common, std::make_unique<FileExporter>(file, clock),
                    ExporterContext{registry, clock, 1});
  for (int i = 0; i < 3; ++i) {
    exporter.push(ExportItem::untracedLogs(makeBatch({logSpec(1, "x")})));
  }
  exporter.start();
  exporter.stop(in(10s));
  CHECK(registry.valueOf("stitch_exporter_fsyncs_total", {{"exporter", "s"}}) == 3);
}

TEST_CASE("Exporter registry builds the built-in types and refuses unknown setups", "[export]") {
  ExporterRegistry types;
  registerBuiltinExporters(types);
  CHECK(types.types() == std::vector<std::string>{"file", "otlp_http", "stdout"});
  CHECK_THROWS_AS(registerBuiltinExporters(types), std::logic_error);

  metrics::Registry registry;
  ManualClock clock;
  ExporterConfig bad_file;
  FileExporterConfig unopenable;
  unopenable.path = "/dev/null/out.ndjson";  // a directory that cannot exist
  bad_file.settings = unopenable;
  try {
    ExportFanout fanout({ExporterConfig{}, bad_file}, types, ExporterContext{registry, clock, 1});
    FAIL("expected a start-up error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("exporters[1]") != std::string::npos);
  }
}

TEST_CASE("Export fanout lifecycle: stop without start, twice, reports per exporter", "[export]") {
  metrics::Registry registry;
  ManualClock clock;
  ExporterRegistry types;
  registerBuiltinExporters(types);
  std::vector<ExporterConfig> configs(2);  // two stdout exporters, never started
  ExportFanout fanout(configs, types, ExporterContext{registry, clock, 1});
  CHECK(fanout.size() == 2);
  CHECK(fanout.push(ExportItem::untracedLogs(makeBatch({logSpec(1, "x")}))) == 2);
  auto reports = fanout.stop(in(1s));
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].first == "stdout_0");
  CHECK(reports[0].second.undelivered_records == 1);
  CHECK(reports[1].second.undelivered_records == 1);
  reports = fanout.stop(in(1s));
  CHECK(reports[0].second.undelivered_records == 1);  // the same report, nothing new
  CHECK(fanout.push(ExportItem::untracedLogs(makeBatch({logSpec(1, "x")}))) == 0);
}
