// Exporter throughput: OTLP/JSON and NDJSON encoding (records/s, MiB/s of original lines),
// gzip of OTLP bodies, and the file exporter's sustained write rate through the whole runtime
// (queue, batching, encoding, write()). Figures go to docs/performance.md, "Exporters".
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "core/common/clock.h"
#include "core/export/export_item.h"
#include "core/export/gzip.h"
#include "core/export/ndjson_encoder.h"
#include "core/export/otlp_json.h"
#include "core/metrics/metrics.h"
#include "core/tracecontext/ids.h"
#include "daemon/export/exporter.h"
#include "daemon/export/file_exporter.h"

namespace {

using namespace stitch;
using namespace stitch::exporting;

constexpr int kRecordsPerTrace = 6;  // 2 spans + 4 log events
constexpr int kTraces = 256;

// Ids from a mixing hash (as random as real ids, so gzip sees realistic entropy), a user id
// and a latency that vary per trace.
record::RecordPtr makeRecord(std::uint64_t trace, int index) {
  const bool span = index < 2;
  const record::TraceId trace_id{tracecontext::mix64(trace + 1), tracecontext::mix64(~trace)};
  const record::SpanId span_id{
      tracecontext::mix64(trace * 31 + static_cast<std::uint64_t>(index / 2))};
  const record::SpanId root_id{tracecontext::mix64(trace * 31)};
  const std::uint64_t noise = tracecontext::mix64(trace * 131 + static_cast<std::uint64_t>(index));
  const std::string raw = fmt::format(
      R"({{"timestamp":"2024-05-01T12:00:00.{:06}Z","level":"info","service":"cart",)"
      R"("trace_id":"{}","span_id":"{}","operation":"GET /cart",)"
      R"("message":"cart loaded with {} items","duration_ms":{},)"
      R"("attributes":{{"http.method":"GET","http.route":"/cart","http.status_code":200,)"
      R"("user.id":"u-{}","items":{},"latency_ms":{:.3f}}}}})",
      noise % 1'000'000, trace_id.hex(), span_id.hex(), noise % 17, span ? 12 : -1, noise % 100'000,
      noise % 17, static_cast<double>(noise % 100'000) / 997.0);
  record::RecordBuilder builder;
  builder.reset(raw);
  auto& f = builder.fields();
  f.context = record::ContextProblem::kNone;
  f.trace_id = trace_id;
  f.span_id = span_id;
  f.parent_span_id = index == 1 ? root_id : record::SpanId{};
  f.timestamp_ns = 1'714'564'800'000'000'000 + static_cast<std::int64_t>(noise % 1'000'000'000);
  f.start_ns = f.timestamp_ns;
  f.duration_ns = span ? 12'000'000 : -1;
  f.severity_number = 9;
  f.service = builder.copy("cart");
  f.operation = builder.copy("GET /cart");
  f.message = builder.copy(fmt::format("cart loaded with {} items", noise % 17));
  f.severity_text = builder.copy("info");
  const std::size_t attrs = raw.find(R"({"http.method")");
  f.attributes = builder.ref(std::string_view(raw).substr(attrs, raw.size() - 1 - attrs));
  f.resource = builder.copy(R"({"host.name":"node-1","deployment.environment":"prod"})");
  return builder.build();
}

struct Workload {
  std::vector<ExportItem> items;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};

const Workload& workload() {
  static const Workload w = [] {
    Workload out;
    for (std::uint64_t t = 0; t < kTraces; ++t) {
      auto trace = std::make_shared<trace::DecidedTrace>();
      for (int i = 0; i < kRecordsPerTrace; ++i) {
        trace->records.push_back(makeRecord(t, i));
      }
      trace->trace_id = trace->records[0]->trace_id;
      trace->tree.spans.resize(2);
      trace->tree.spans[0].span_id = trace->records[0]->span_id;
      trace->tree.spans[0].record = 0;
      trace->tree.spans[0].events = {2, 3};
      trace->tree.spans[1].span_id = trace->records[1]->span_id;
      trace->tree.spans[1].record = 1;
      trace->tree.spans[1].events = {4, 5};
      out.items.push_back(ExportItem::trace(std::move(trace)));
      out.records += kRecordsPerTrace;
      out.bytes += out.items.back().bytes();
    }
    return out;
  }();
  return w;
}

void report(benchmark::State& state, std::uint64_t output_bytes) {
  const Workload& w = workload();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.bytes));
  state.counters["out_bytes_per_record"] =
      static_cast<double>(output_bytes) / static_cast<double>(w.records);
}

void BM_OtlpEncode(benchmark::State& state) {
  OtlpEncoderOptions options;
  options.log_events = static_cast<LogEventMode>(state.range(0));
  OtlpEncoder encoder(options);
  std::vector<OtlpRequest> requests;
  std::uint64_t out = 0;
  for (auto _ : state) {
    requests.clear();
    encoder.encode(workload().items, requests);
    out = 0;
    for (const auto& r : requests) {
      out += r.body.size();
    }
    benchmark::DoNotOptimize(requests.data());
  }
  report(state, out);
}
BENCHMARK(BM_OtlpEncode)
    ->Arg(static_cast<int>(LogEventMode::kLogRecords))
    ->Arg(static_cast<int>(LogEventMode::kSpanEvents))
    ->ArgName("log_events");

void BM_OtlpEncodeGzip(benchmark::State& state) {
  OtlpEncoder encoder({});
  std::vector<OtlpRequest> requests;
  std::string compressed;
  std::uint64_t out = 0;
  for (auto _ : state) {
    requests.clear();
    encoder.encode(workload().items, requests);
    out = 0;
    for (const auto& r : requests) {
      gzipCompress(r.body, compressed);
      out += compressed.size();
    }
  }
  report(state, out);
}
BENCHMARK(BM_OtlpEncodeGzip);

void BM_Ndjson(benchmark::State& state) {
  NdjsonEncoder encoder(static_cast<NdjsonMode>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const auto& item : workload().items) {
      encoder.encode(item, out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  report(state, out.size());
}
BENCHMARK(BM_Ndjson)
    ->Arg(static_cast<int>(NdjsonMode::kPerRecord))
    ->Arg(static_cast<int>(NdjsonMode::kPerTrace))
    ->ArgName("per_trace");

// The whole file exporter: push -> queue -> batch -> NDJSON -> write(). One iteration pushes
// the workload 16 times; the timing includes stop(), which waits for the last write.
void BM_FileExporterSustained(benchmark::State& state) {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("stitch-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  metrics::Registry registry;
  SystemClock clock;
  constexpr int kRounds = 16;
  for (auto _ : state) {
    state.PauseTiming();
    FileExporterConfig config;
    config.path = dir + "/out.ndjson";
    config.mode = static_cast<NdjsonMode>(state.range(0));
    config.fsync = FsyncPolicy::kNever;
    config.rotate.max_size = 0;
    std::filesystem::remove(config.path);
    ExporterCommonConfig common;
    daemon::Exporter exporter("bench", common,
                              std::make_unique<daemon::FileExporter>(config, clock),
                              daemon::ExporterContext{registry, clock, 1});
    exporter.start();
    state.ResumeTiming();
    for (int round = 0; round < kRounds; ++round) {
      for (const auto& item : workload().items) {
        exporter.push(item);
      }
    }
    exporter.stop(std::chrono::steady_clock::now() + std::chrono::minutes(1));
  }
  std::filesystem::remove_all(dir);
  const Workload& w = workload();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.records * kRounds));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.bytes * kRounds));
}
BENCHMARK(BM_FileExporterSustained)
    ->Arg(static_cast<int>(NdjsonMode::kPerRecord))
    ->Arg(static_cast<int>(NdjsonMode::kPerTrace))
    ->ArgName("per_trace")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
