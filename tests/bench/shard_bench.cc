// Assembly + tail sampling on one shard thread (issue 5): records built beforehand (what the
// ingest workers do), fed to a pipeline::Shard in batches with 50k traces in flight, with
// realistic policies. Reports records/s and the memory held against the raw bytes held, both
// as the shard accounts it and as malloc saw it (mallinfo2), so the accounting is checked.
//
//   ./build/release/tests/bench/shard_bench --benchmark_repetitions=3
//
// Throughput is reported against wall time (items_per_second) and should be read next to the
// CPU column: on a shared machine the two differ by what other processes take.
//
// The generator mimics ../shared/bench/gen_logs.py: ~365-byte NDJSON lines with a traceparent,
// traces of 3..30 records interleaved at random among the traces in flight, 5% ERROR lines
// (30% more in 6% "bad" traces), span durations exponential with a 40 ms mean. One deliberate
// difference: a trace's root span record comes last, as real tracers log a span when it ends
// (gen_logs.py emits it first, which would make root_grace decide every trace after its first
// record).

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/common/clock.h"
#include "core/pipeline/shard.h"
#include "core/record/record.h"

namespace {

using namespace stitch;
using record::RecordBatch;
using record::RecordPtr;

constexpr const char* kServices[] = {"checkout", "cart",   "payments",       "inventory",
                                     "auth",     "search", "recommendation", "shipping",
                                     "frontend", "email",  "ledger",         "fraud-detector"};
constexpr const char* kRegions[] = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
                                    "ap-south-1"};
constexpr const char* kMethods[] = {"GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"};
constexpr const char* kRoutes[] = {"/api/v1/cart/{id}",
                                   "/api/v1/checkout",
                                   "/api/v1/items",
                                   "/api/v2/search",
                                   "/api/v1/users/{id}/orders",
                                   "/healthz",
                                   "/api/v1/payments/{id}/capture",
                                   "/api/v1/inventory/reserve",
                                   "/login",
                                   "/api/v1/shipping/quote"};
constexpr int kOkStatus[] = {200, 200, 200, 200, 201, 204, 304};
constexpr int kBadStatus[] = {400, 401, 403, 404, 409, 429, 500, 502, 503, 504};

template <class T, std::size_t N>
const T& pick(std::mt19937_64& rng, const T (&items)[N]) {
  return items[rng() % N];
}

// Traces in flight and the records they emit, one at a time, in gen_logs.py's manner.
class Generator {
public:
  Generator(std::uint64_t seed, std::size_t in_flight) : rng_(seed) {
    active_.resize(in_flight);
    for (Trace& trace : active_) {
      start(trace);
    }
  }

  RecordPtr next() {
    Trace& trace = active_[rng_() % active_.size()];
    RecordPtr record = emit(trace);
    if (trace.remaining == 0) {
      start(trace);
    }
    return record;
  }

private:
  struct Trace {
    tracecontext::TraceId id;
    std::uint64_t root = 0;
    std::vector<std::uint64_t> spans;
    int remaining = 0;
    const char* service = "";
    const char* route = "";
    const char* method = "";
    const char* region = "";
    int user = 0;
    bool error = false;
    TimestampNs start_ns = 0;
    TimestampNs end_ns = 0;
  };

  void start(Trace& trace) {
    trace.id = tracecontext::TraceId{rng_() | 1, rng_()};
    trace.root = rng_() | 1;
    trace.spans.assign(1, trace.root);
    trace.remaining = 3 + static_cast<int>(rng_() % 28);
    trace.service = pick(rng_, kServices);
    trace.route = pick(rng_, kRoutes);
    trace.method = pick(rng_, kMethods);
    trace.region = pick(rng_, kRegions);
    trace.user = static_cast<int>(rng_() % 1000000);
    trace.error = uniform() < 0.06;
    clock_ns_ += 1000 + static_cast<TimestampNs>(rng_() % 199000);
    trace.start_ns = clock_ns_;
    trace.end_ns = clock_ns_;
  }

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  RecordPtr emit(Trace& trace) {
    const bool root = trace.remaining == 1;  // the root span is logged last, when it ends
    const std::uint64_t span = root ? trace.root : (rng_() | 1);
    const std::uint64_t parent = root ? 0 : trace.spans[rng_() % trace.spans.size()];
    if (!root) {
      trace.spans.push_back(span);
    }
    --trace.remaining;
    const char* service = root ? trace.service : pick(rng_, kServices);
    const int level_roll = static_cast<int>(rng_() % 100);
    int severity = level_roll < 15 ? 5 : level_roll < 85 ? 9 : level_roll < 95 ? 13 : 17;
    if (trace.error && uniform() < 0.3) {
      severity = 17;
    }
    const char* level = severity == 5    ? "DEBUG"
                        : severity == 9  ? "INFO"
                        : severity == 13 ? "WARN"
                                         : "ERROR";
    TimestampNs begin = 0;
    std::int64_t duration = 0;
    if (root) {
      begin = trace.start_ns;
      duration = trace.end_ns - trace.start_ns + kNanosPerMilli;
    } else {
      begin = trace.start_ns + static_cast<TimestampNs>(rng_() % (100 * kNanosPerMilli));
      duration = static_cast<std::int64_t>(std::exponential_distribution<double>(1.0 / 40.0)(rng_) *
                                           kNanosPerMilli);
      trace.end_ns = std::max(trace.end_ns, begin + duration);
    }
    const int status = severity == 17 ? pick(rng_, kBadStatus) : pick(rng_, kOkStatus);

    char message[160];
    const int a1 = static_cast<int>(rng_() % 5000);
    const int a2 = static_cast<int>(rng_() % 2000);
    switch (rng_() % 10) {
      case 0:
        std::snprintf(message, sizeof(message), "request completed");
        break;
      case 1:
        std::snprintf(message, sizeof(message), "handled %s %s in %.3fms", trace.method,
                      trace.route, static_cast<double>(duration) / kNanosPerMilli);
        break;
      case 2:
        std::snprintf(message, sizeof(message), "cache miss for key user:u%06d:profile",
                      trace.user);
        break;
      case 3:
        std::snprintf(message, sizeof(message), "db query ok rows=%d table=orders", a1);
        break;
      case 4:
        std::snprintf(message, sizeof(message), "retry attempt=%d backoff_ms=%d", 1 + a1 % 5,
                      10 + a2);
        break;
      case 5:
        std::snprintf(message, sizeof(message), "upstream returned %d, falling back",
                      pick(rng_, kBadStatus));
        break;
      case 6:
        std::snprintf(message, sizeof(message), "payment authorised amount=%d.%02d currency=EUR",
                      a1, a2 % 100);
        break;
      case 7:
        std::snprintf(message, sizeof(message), "inventory reservation sku=SKU-%05d qty=%d",
                      a1 * 20, 1 + a2 % 9);
        break;
      case 8:
        std::snprintf(message, sizeof(message),
                      "slow query: SELECT * FROM items WHERE sku='SKU-%05d'", a1 * 20);
        break;
      default:
        std::snprintf(message, sizeof(message), "queue depth=%d consumer lag=%dms", a1, a2);
        break;
    }

    const TimestampNs ts = begin + duration;
    const std::int64_t seconds = ts / kNanosPerSecond;
    const std::int64_t nanos = ts % kNanosPerSecond;
    char attrs[200];
    int a = std::snprintf(attrs, sizeof(attrs), "{\"http.route\":\"%s\"", trace.route);
    if (uniform() < 0.5) {
      a += std::snprintf(attrs + a, sizeof(attrs) - a, ",\"http.method\":\"%s\"", trace.method);
    }
    if (uniform() < 0.3) {
      a += std::snprintf(attrs + a, sizeof(attrs) - a, ",\"region\":\"%s\"", trace.region);
    }
    if (uniform() < 0.3) {
      a += std::snprintf(attrs + a, sizeof(attrs) - a, ",\"user\":\"u%06d\"", trace.user);
    }
    if (uniform() < 0.2) {
      a += std::snprintf(attrs + a, sizeof(attrs) - a, ",\"pod\":\"%s-%05x\"", service,
                         static_cast<unsigned>(rng_() % 0xfffff));
    }
    if (uniform() < 0.1) {
      a += std::snprintf(attrs + a, sizeof(attrs) - a, ",\"db.rows\":%d",
                         static_cast<int>(rng_() % 5000));
    }
    std::snprintf(attrs + a, sizeof(attrs) - a, "}");

    const std::string trace_hex = trace.id.hex();
    const std::string span_hex = tracecontext::SpanId{span}.hex();
    const std::string parent_json =
        parent == 0 ? "null" : "\"" + tracecontext::SpanId{parent}.hex() + "\"";
    line_.resize(1024);
    const int n = std::snprintf(
        line_.data(), line_.size(),
        "{\"ts\":\"2024-05-01T%02d:%02d:%02d.%09dZ\",\"level\":\"%s\",\"service\":\"%s\","
        "\"msg\":\"%s\",\"traceparent\":\"00-%s-%s-01\",\"span_id\":\"%s\","
        "\"parent_span_id\":%s,\"duration_ms\":%.3f,\"status\":%d,\"attrs\":%s}",
        static_cast<int>(seconds / 3600 % 24), static_cast<int>(seconds / 60 % 60),
        static_cast<int>(seconds % 60), static_cast<int>(nanos), level, service, message,
        trace_hex.c_str(), span_hex.c_str(), span_hex.c_str(), parent_json.c_str(),
        static_cast<double>(duration) / kNanosPerMilli, status, attrs);
    line_.resize(static_cast<std::size_t>(n));

    builder_.reset(line_);
    record::RecordFields& f = builder_.fields();
    const std::string_view raw = line_;
    const auto inside = [&](std::string_view needle) {
      return builder_.ref(raw.substr(raw.find(needle), needle.size()));
    };
    f.timestamp_ns = ts;
    f.start_ns = begin;
    f.duration_ns = duration;
    f.trace_id = trace.id;
    f.span_id = tracecontext::SpanId{span};
    f.parent_span_id = tracecontext::SpanId{parent};
    f.trace_flags = 0x01;
    f.flags = record::flag::kHasTraceFlags | record::flag::kHasTraceparentField;
    f.severity_number = static_cast<std::uint8_t>(severity);
    f.status = record::Status::kUnset;
    f.format = record::Format::kCanonical;
    f.context = record::ContextProblem::kNone;
    f.service = inside(std::string("\"service\":\"") + service + "\"");
    f.service.offset += 11;
    f.service.size -= 12;
    f.severity_text = inside(level);
    f.message = inside(message);
    f.operation = root ? inside(trace.route) : record::StringRef{};
    f.attributes = inside(attrs);
    return builder_.build();
  }

  std::mt19937_64 rng_;
  std::vector<Trace> active_;
  TimestampNs clock_ns_ = 1'714'564'800 * kNanosPerSecond;
  std::string line_;
  record::RecordBuilder builder_;
};

// Holds what the shard hands out until the benchmark's pause: in the daemon the exporters
// release kept traces on their own threads, not on the shard thread.
class CollectingSink final : public pipeline::ShardSink {
public:
  void onKept(trace::DecidedTracePtr trace) override {
    ++traces_kept;
    kept_.push_back(std::move(trace));
  }
  void onLateRecords(RecordBatch&& records) override {
    late += records.size();
    held_.push_back(std::move(records));
  }
  void onStreamed(RecordBatch&& records) override {
    streamed += records.size();
    held_.push_back(std::move(records));
  }
  void onPassThrough(RecordBatch&& records, pipeline::PassThroughReason) override {
    passed += records.size();
    held_.push_back(std::move(records));
  }
  void release() {
    kept_.clear();
    held_.clear();
  }
  std::uint64_t traces_kept = 0;
  std::uint64_t late = 0;
  std::uint64_t streamed = 0;
  std::uint64_t passed = 0;

private:
  std::vector<trace::DecidedTracePtr> kept_;
  std::vector<RecordBatch> held_;
};

pipeline::ShardConfig benchConfig(std::uint64_t budget) {
  using namespace sampling;
  pipeline::ShardConfig config;
  config.assembly.max_bytes = budget;
  LatencyRule slow;
  slow.latency.threshold_ms = 500;
  ProbabilisticRule sample;
  sample.probabilistic.sampling_percentage = 10;
  config.sampling.tail.policies = {makePolicy("errors", StatusCodeRule{}),
                                   makePolicy("error-logs", SeverityRule{}),
                                   makePolicy("slow", slow), makePolicy("sample", sample)};
  return config;
}

std::uint64_t mallocInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

constexpr std::size_t kInFlight = 50'000;
constexpr std::size_t kChunk = 100'000;
constexpr std::size_t kBatch = 512;
constexpr TimestampNs kArrivalStepNs = 20 * kNanosPerMicro;  // 50k records/s of arrival time

// Feeds `records` in batches, advancing the clock as they arrive and ticking after each batch.
void feed(pipeline::Shard& shard, ManualClock& clock, RecordBatch& records) {
  for (std::size_t i = 0; i < records.size(); i += kBatch) {
    const std::size_t end = std::min(records.size(), i + kBatch);
    RecordBatch batch;
    batch.reserve(end - i);
    for (std::size_t j = i; j < end; ++j) {
      batch.push_back(std::move(records[j]));
    }
    clock.advance(std::chrono::nanoseconds(kArrivalStepNs * static_cast<TimestampNs>(end - i)));
    shard.onRecords(std::move(batch));
    shard.onTick();
  }
  records.clear();
}

void fill(Generator& generator, RecordBatch& records, std::size_t count) {
  records.clear();
  records.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    records.push_back(generator.next());
  }
}

void BM_ShardAssemblyTailSampling(benchmark::State& state) {
  // glibc's fastbins make every large allocation consolidate them first (malloc_consolidate
  // shows in profiles of this benchmark); STITCH_BENCH_NO_FASTBINS=1 measures without them, as
  // a daemon could run with mallopt(M_MXFAST, 0).
  if (std::getenv("STITCH_BENCH_NO_FASTBINS") != nullptr) {
    mallopt(M_MXFAST, 0);
  }
  const std::uint64_t budget = static_cast<std::uint64_t>(state.range(0)) * 1024 * 1024;
  Generator generator(42, kInFlight);
  ManualClock clock(1'714'564'800 * kNanosPerSecond);
  CollectingSink sink;
  RecordBatch records;
  auto shard = std::make_unique<pipeline::Shard>(benchConfig(budget), sink, clock);

  // Warm up to the steady state: every trace in flight partly received, completed ones
  // waiting for their root_grace.
  for (int i = 0; i < 12; ++i) {
    fill(generator, records, kChunk);
    feed(*shard, clock, records);
    sink.release();
  }

  std::uint64_t processed = 0;
  std::uint64_t raw_bytes = 0;
  double traces_held = 0;
  double worst_ratio = 0;
  std::uint64_t samples = 0;
  const auto kept_before = sink.traces_kept;
  for (auto _ : state) {
    state.PauseTiming();
    sink.release();
    fill(generator, records, kChunk);
    for (const RecordPtr& r : records) {
      raw_bytes += r->raw().size();
    }
    state.ResumeTiming();
    feed(*shard, clock, records);
    processed += kChunk;
    state.PauseTiming();
    traces_held += static_cast<double>(shard->tracesHeld());
    worst_ratio = std::max(worst_ratio, static_cast<double>(shard->bytesHeld()) /
                                            static_cast<double>(shard->rawBytesHeld()));
    ++samples;
    state.ResumeTiming();
  }
  sink.release();
  // Honesty check: what the shard says it holds against what malloc gives back when the
  // shard's traces are gone (drained, kept ones released, the shard destroyed).
  const std::uint64_t accounted = shard->bytesHeld();
  const std::uint64_t raw_held = shard->rawBytesHeld();
  const std::uint64_t records_held = shard->recordsHeld();
  const std::uint64_t cache_bytes = shard->decisionCacheBytes();
  const std::uint64_t before = mallocInUse();
  shard->drain();
  sink.release();
  shard.reset();
  const std::uint64_t after = mallocInUse();
  // What the shard gave back, minus its decision cache (bounded separately, not budgeted).
  const double malloc_held =
      static_cast<double>(before) - static_cast<double>(after) - static_cast<double>(cache_bytes);

  state.SetItemsProcessed(static_cast<std::int64_t>(processed));
  state.counters["avg_line_bytes"] =
      static_cast<double>(raw_bytes) / static_cast<double>(processed);
  state.counters["traces_held"] = traces_held / static_cast<double>(samples);
  state.counters["records_held"] = static_cast<double>(records_held);
  state.counters["held_MiB"] = static_cast<double>(accounted) / (1024.0 * 1024.0);
  state.counters["accounted_per_raw"] =
      static_cast<double>(accounted) / static_cast<double>(raw_held);
  state.counters["worst_accounted_per_raw"] = worst_ratio;
  // mallinfo2 only sees glibc's heap: 0 when another allocator is preloaded.
  state.counters["malloc_per_raw"] = std::max(0.0, malloc_held) / static_cast<double>(raw_held);
  state.counters["cache_MiB"] = static_cast<double>(cache_bytes) / (1024.0 * 1024.0);
  state.counters["kept_share"] =
      static_cast<double>(sink.traces_kept - kept_before) / (static_cast<double>(processed) / 16.5);
}

// 1 GiB: nothing is evicted, the figure is assembly + tail sampling alone. 256 MiB (the
// default budget) with the same load: the oldest traces are decided early to stay inside it.
BENCHMARK(BM_ShardAssemblyTailSampling)
    ->Arg(1024)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(30)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
