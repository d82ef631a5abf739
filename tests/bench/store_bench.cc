// The embedded store and the query API: write throughput, trace-by-id latency (pending, cached,
// stored among many traces), search latency. Figures and commands: docs/performance.md,
// "Store and query (store_bench)".
//
// The by-id and search benchmarks read a store of STITCH_BENCH_TRACES traces (default 100000)
// built once in STITCH_BENCH_DIR (default $TMPDIR/stitch-store-bench) and reused by later runs;
// building 1M traces takes about a minute.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include <benchmark/benchmark.h>

#include "core/query/query_api.h"
#include "core/store/reader_pool.h"
#include "core/store/trace_cache.h"
#include "core/store/trace_store.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/fixtures/trace_fixtures.h"

namespace {

using namespace stitch;
using tracecontext::TraceId;
using SteadyClock = std::chrono::steady_clock;

constexpr int kRecordsPerTrace = 10;
constexpr std::size_t kBatch = 1024;
constexpr TimestampNs kStart = 1'700'000'000'000'000'000;

TraceId benchId(std::uint64_t n) {
  return TraceId{tracecontext::mix64(n) | 1, tracecontext::mix64(~n)};
}

// A pool of distinct traces whose ids and start times are rewritten before each write, so that
// building records does not count against the store.
std::vector<std::shared_ptr<trace::DecidedTrace>> tracePool() {
  std::vector<std::shared_ptr<trace::DecidedTrace>> pool;
  for (std::size_t i = 0; i < kBatch; ++i) {
    const TraceId id = benchId(i);
    auto t = fixtures::makeDecided(id,
                                   fixtures::benchRecords(id, kStart + static_cast<TimestampNs>(i),
                                                          kRecordsPerTrace, i % 10 == 0),
                                   i % 10 == 0 ? "errors" : "probabilistic");
    auto mutable_trace = std::const_pointer_cast<trace::DecidedTrace>(t);
    if (i % 100 == 0) {
      mutable_trace->summary.duration_ns = 500 * kNanosPerMilli;  // the slow 1%
    }
    pool.push_back(std::move(mutable_trace));
  }
  return pool;
}

std::vector<trace::DecidedTracePtr> nextBatch(
    std::vector<std::shared_ptr<trace::DecidedTrace>>& pool, std::uint64_t& next) {
  std::vector<trace::DecidedTracePtr> batch;
  batch.reserve(pool.size());
  for (auto& t : pool) {
    t->trace_id = benchId(next++);
    t->summary.start_ns += kNanosPerSecond;  // time moves on, as it does for real traces
    batch.push_back(t);
  }
  return batch;
}

double rawBytes(const std::vector<std::shared_ptr<trace::DecidedTrace>>& pool) {
  double bytes = 0;
  for (const auto& t : pool) {
    bytes += static_cast<double>(t->summary.bytes);
  }
  return bytes / static_cast<double>(pool.size());
}

std::unique_ptr<store::TraceStore> freshStore(const fixtures::TempDir& dir) {
  store::StoreConfig config;
  config.path = dir.file("bench.db");
  config.max_size_bytes = 0;
  config.max_age = std::chrono::seconds(0);
  return std::move(store::TraceStore::open(config).value());
}

// Serialize, compress and write on one thread.
void BM_StoreWriteOneThread(benchmark::State& state) {
  fixtures::TempDir dir;
  auto store = freshStore(dir);
  auto pool = tracePool();
  std::uint64_t next = 1 << 20;
  std::uint64_t stored = 0;
  for (auto _ : state) {
    auto written = store->write(nextBatch(pool, next), kStart);
    if (!written) {
      state.SkipWithError(written.error().message.c_str());
      return;
    }
    stored += written->stored_bytes;
  }
  const double traces = static_cast<double>(state.iterations() * kBatch);
  state.counters["traces/s"] = benchmark::Counter(traces, benchmark::Counter::kIsRate);
  state.counters["records/s"] =
      benchmark::Counter(traces * kRecordsPerTrace, benchmark::Counter::kIsRate);
  state.counters["line_bytes"] = rawBytes(pool) / kRecordsPerTrace;
  state.counters["stored_bytes/trace"] = static_cast<double>(stored) / traces;
}
BENCHMARK(BM_StoreWriteOneThread)->Unit(benchmark::kMillisecond)->UseRealTime();

// What StoreWriter does: its encoder thread prepares batches while its writer thread runs the
// SQLite transactions.
void BM_StoreWritePipelined(benchmark::State& state) {
  fixtures::TempDir dir;
  auto store = freshStore(dir);
  auto pool_a = tracePool();
  auto pool_b = tracePool();
  std::uint64_t next = 1 << 20;
  // Encoders made once, like StoreWriter's: a zstd context is costly to create.
  store::BatchEncoder encoder_a(1);
  store::BatchEncoder encoder_b(1);
  store::PreparedBatch first;
  store::PreparedBatch second;
  encoder_a.prepare(nextBatch(pool_a, next), first);
  for (auto _ : state) {
    // While one batch is written, the next is prepared on another thread.
    std::thread prepare([&] { encoder_b.prepare(nextBatch(pool_b, next), second); });
    auto written = store->write(first, kStart);
    prepare.join();
    std::thread prepare_next([&] { encoder_a.prepare(nextBatch(pool_a, next), first); });
    auto written_second = store->write(second, kStart);
    prepare_next.join();
    if (!written || !written_second) {
      state.SkipWithError("write failed");
      return;
    }
  }
  const double traces = static_cast<double>(state.iterations() * 2 * kBatch);
  state.counters["traces/s"] = benchmark::Counter(traces, benchmark::Counter::kIsRate);
  state.counters["records/s"] =
      benchmark::Counter(traces * kRecordsPerTrace, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StoreWritePipelined)->Unit(benchmark::kMillisecond)->UseRealTime();

// The encoder's half alone.
void BM_StorePrepare(benchmark::State& state) {
  auto pool = tracePool();
  std::uint64_t next = 1;
  store::BatchEncoder encoder(static_cast<int>(state.range(0)));
  store::PreparedBatch batch;
  std::uint64_t stored = 0;
  for (auto _ : state) {
    encoder.prepare(nextBatch(pool, next), batch);
    for (const auto& chunk : batch.chunks) {
      stored += chunk.size();
    }
  }
  const double traces = static_cast<double>(state.iterations() * kBatch);
  state.counters["traces/s"] = benchmark::Counter(traces, benchmark::Counter::kIsRate);
  state.counters["stored_bytes/trace"] = static_cast<double>(stored) / traces;
}
BENCHMARK(BM_StorePrepare)->Arg(1)->Arg(-1)->Arg(3)->Unit(benchmark::kMillisecond);

// ---- reads

std::uint64_t storedTraces() {
  const char* env = std::getenv("STITCH_BENCH_TRACES");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 100'000;
}

std::filesystem::path benchDir() {
  const char* env = std::getenv("STITCH_BENCH_DIR");
  return env != nullptr ? std::filesystem::path(env)
                        : std::filesystem::temp_directory_path() / "stitch-store-bench";
}

// The path of a store holding storedTraces() traces: benchId(0 .. n-1), services rotating.
std::string bigStore() {
  static const std::string path = [] {
    const std::uint64_t n = storedTraces();
    const auto dir = benchDir();
    const std::string db = (dir / ("traces-" + std::to_string(n) + ".db")).string();
    const auto marker = dir / ("traces-" + std::to_string(n) + ".complete");
    if (std::filesystem::exists(marker)) {
      return db;
    }
    std::filesystem::create_directories(dir);
    std::filesystem::remove(db);
    std::filesystem::remove(db + "-wal");
    store::StoreConfig config;
    config.path = db;
    config.max_size_bytes = 0;
    auto store = std::move(store::TraceStore::open(config).value());
    auto pool = tracePool();
    const auto began = SteadyClock::now();
    std::uint64_t next = 0;
    while (next < n) {
      auto batch = nextBatch(pool, next);
      batch.resize(std::min<std::size_t>(batch.size(), n - (next - kBatch)));
      if (!store->write(batch, kStart)) {
        std::abort();
      }
    }
    store.reset();
    std::ofstream(marker) << std::chrono::duration<double>(SteadyClock::now() - began).count()
                          << " s to build\n";
    return db;
  }();
  return path;
}

void setPercentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) {
    return;
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["max_us"] = micros.back();
}

trace::TraceTree buildTree(const record::RecordBatch& records) {
  return fixtures::buildTestTree(records);
}

// Decompress and deserialize one trace from the big store.
void BM_StoreGetById(benchmark::State& state) {
  auto reader = std::move(store::TraceReader::open(bigStore()).value());
  const std::uint64_t n = storedTraces();
  std::mt19937_64 random(42);
  std::vector<double> micros;
  for (auto _ : state) {
    const TraceId id = benchId(random() % n);
    const auto began = SteadyClock::now();
    auto got = reader->get(id);
    micros.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - began).count());
    if (!got || !got->has_value()) {
      state.SkipWithError("a stored trace was not found");
      return;
    }
    benchmark::DoNotOptimize(got);
  }
  state.counters["stored_traces"] = static_cast<double>(n);
  setPercentiles(state, micros);
}
BENCHMARK(BM_StoreGetById)->Unit(benchmark::kMicrosecond)->Iterations(20000);

class PendingPool : public query::PendingLookup {
public:
  trace::DecidedTracePtr pendingTrace(const TraceId& id) override {
    auto found = traces.find(id);
    return found == traces.end() ? nullptr : found->second;
  }
  std::map<TraceId, trace::DecidedTracePtr> traces;
};

// GET /api/v1/traces/{id} end to end (lookup, tree, JSON) from `where`: 0 pending, 1 cache,
// 2 the big store.
void BM_QueryTraceById(benchmark::State& state) {
  const int where = static_cast<int>(state.range(0));
  PendingPool pending;
  store::TraceCache cache(256 << 20);
  std::unique_ptr<store::ReaderPool> pool;
  query::QuerySources sources;
  sources.build_tree = buildTree;
  std::vector<TraceId> ids;
  if (where == 2) {
    pool = std::make_unique<store::ReaderPool>(bigStore());
    sources.store = pool.get();
    std::mt19937_64 random(7);
    for (int i = 0; i < 20000; ++i) {
      ids.push_back(benchId(random() % storedTraces()));
    }
  } else {
    for (std::uint64_t i = 0; i < 10000; ++i) {
      const TraceId id = benchId(i);
      auto t =
          fixtures::makeDecided(id, fixtures::benchRecords(id, kStart, kRecordsPerTrace, false));
      if (where == 0) {
        pending.traces[id] = t;
      } else {
        cache.put(t);
      }
      ids.push_back(id);
    }
    sources.pending = &pending;
    sources.cache = &cache;
  }
  query::TraceQueries queries(std::move(sources));
  const store::QueryConfig config;
  const SystemClock clock;
  query::QueryApi api(queries, config, clock);
  std::vector<std::string> targets;
  for (const auto& id : ids) {
    targets.push_back("/api/v1/traces/" + id.hex());
  }
  std::vector<double> micros;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& target = targets[i++ % targets.size()];
    const auto began = SteadyClock::now();
    query::HttpResponse response = api.handle({"GET", target});
    micros.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - began).count());
    if (response.status != 200) {
      state.SkipWithError("the trace was not found");
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  setPercentiles(state, micros);
}
BENCHMARK(BM_QueryTraceById)
    ->ArgName("pending0_cache1_store2")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(20000);

// Jaeger's /api/traces/{id} from the big store (the tags make it heavier than our JSON).
void BM_JaegerTraceById(benchmark::State& state) {
  store::ReaderPool pool(bigStore());
  query::QuerySources sources;
  sources.store = &pool;
  sources.build_tree = buildTree;
  query::TraceQueries queries(std::move(sources));
  const store::QueryConfig config;
  const SystemClock clock;
  query::QueryApi api(queries, config, clock);
  std::mt19937_64 random(9);
  std::vector<double> micros;
  for (auto _ : state) {
    const std::string target = "/api/traces/" + benchId(random() % storedTraces()).hex();
    const auto began = SteadyClock::now();
    query::HttpResponse response = api.handle({"GET", target});
    micros.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - began).count());
    benchmark::DoNotOptimize(response);
  }
  setPercentiles(state, micros);
}
BENCHMARK(BM_JaegerTraceById)->Unit(benchmark::kMicrosecond)->Iterations(5000);

// Search the big store: 0 newest 20, 1 service=cart, 2 service + operation, 3 error=true,
// 4 min_duration=400ms (1% of traces: a scan by start), 5 Jaeger's
// /api/traces?service=cart&limit=20 (full traces).
void BM_Search(benchmark::State& state) {
  store::ReaderPool pool(bigStore());
  query::QuerySources sources;
  sources.store = &pool;
  sources.build_tree = buildTree;
  query::TraceQueries queries(std::move(sources));
  const store::QueryConfig config;
  const ManualClock clock(kStart + 100'000 * kNanosPerSecond);
  query::QueryApi api(queries, config, clock);
  static const char* const kTargets[] = {
      "/api/v1/traces",
      "/api/v1/traces?service=cart",
      "/api/v1/traces?service=payment&operation=charge_card",
      "/api/v1/traces?error=true",
      "/api/v1/traces?min_duration=400ms",
      "/api/traces?service=cart&limit=20&lookback=7d",
  };
  const char* target = kTargets[state.range(0)];
  std::vector<double> micros;
  for (auto _ : state) {
    const auto began = SteadyClock::now();
    query::HttpResponse response = api.handle({"GET", target});
    micros.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - began).count());
    if (response.status != 200) {
      state.SkipWithError(response.body.c_str());
      return;
    }
    benchmark::DoNotOptimize(response);
  }
  setPercentiles(state, micros);
  state.SetLabel(target);
}
BENCHMARK(BM_Search)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond)->Iterations(500);

}  // namespace

BENCHMARK_MAIN();
