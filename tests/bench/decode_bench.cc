// Decode throughput: decodeLines over the NDJSON that ../shared/bench/gen_logs.py writes, in
// 64 KiB reads as a transport hands them over, plus one figure per preset and the memory a
// decoded record holds.
//
// Input: $STITCH_BENCH_LOGS names a file made by
//   python3 ../shared/bench/gen_logs.py --count 200000 --seed 42 --out FILE
// Without it the benchmark generates lines of the same shape itself (and says so).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/decode/decoder.h"

namespace {

using stitch::decode::DecodeConfig;
using stitch::decode::DecodeOutput;
using stitch::decode::Decoder;
using stitch::decode::InputFormat;

constexpr std::size_t kReadSize = 64 * 1024;
constexpr stitch::TimestampNs kReceived = 1'714'564'800'000'000'000;

// A buffer of whole lines with the decoder's padding after it, cut into reads of about
// kReadSize bytes that end at a line boundary (what a framer hands to decodeLines).
struct Corpus {
  std::string bytes;
  std::vector<std::string_view> reads;
  std::size_t lines = 0;
};

Corpus makeCorpus(std::string bytes) {
  Corpus corpus;
  corpus.bytes = std::move(bytes);
  corpus.bytes.reserve(corpus.bytes.size() + stitch::decode::kPadding);
  std::string_view all = corpus.bytes;
  for (const char c : all) {
    corpus.lines += c == '\n' ? 1 : 0;
  }
  while (!all.empty()) {
    std::size_t cut = all.size();
    if (cut > kReadSize) {
      cut = all.rfind('\n', kReadSize);
      cut = cut == std::string_view::npos ? all.size() : cut + 1;
    }
    corpus.reads.push_back(all.substr(0, cut));
    all.remove_prefix(cut);
  }
  return corpus;
}

std::string hexId(std::mt19937_64& rng, int chars) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  while (static_cast<int>(out.size()) < chars) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16 && static_cast<int>(out.size()) < chars; ++i, v >>= 4) {
      out.push_back(kDigits[v & 15]);
    }
  }
  return out;
}

// Lines shaped like gen_logs.py's, for when no file is given.
std::string generateGenLogsLike(std::size_t count) {
  std::mt19937_64 rng(42);
  static const char* kMessages[] = {"request completed",
                                    "handled GET /api/v1/cart/{id} in 12.5ms",
                                    "cache miss for key user:u123456:profile",
                                    "db query ok rows=562 table=orders",
                                    "user \\\"u487575\\\" logged in from 10.1.2.3",
                                    "export C:\\\\tmp\\\\SKU-46105.csv\\tdone",
                                    "caf\xc3\xa9 order \xe2\x84\x96"
                                    "42 confirmed \xe2\x9c\x93"};
  static const char* kServices[] = {"checkout", "cart", "payments", "inventory", "auth"};
  std::string out;
  std::string trace = hexId(rng, 32);
  std::string parent;
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 12 == 0) {
      trace = hexId(rng, 32);
      parent.clear();
    }
    const std::string span = hexId(rng, 16);
    char line[1024];
    std::snprintf(line, sizeof(line),
                  "{\"ts\":\"2024-05-01T12:00:%02zu.%09zuZ\",\"level\":\"INFO\",\"service\":\"%s\","
                  "\"msg\":\"%s\",\"traceparent\":\"00-%s-%s-01\",\"span_id\":\"%s\","
                  "\"parent_span_id\":%s%s%s,\"duration_ms\":%zu.%03zu,\"status\":200,"
                  "\"attrs\":{\"http.route\":\"/api/v1/payments/{id}/capture\",\"http.method\":"
                  "\"PUT\",\"region\":\"eu-west-1\"}}\n",
                  i % 60, (i * 7919) % 1000000000, kServices[i % 5], kMessages[i % 7],
                  trace.c_str(), span.c_str(), span.c_str(), parent.empty() ? "" : "\"",
                  parent.empty() ? "null" : parent.c_str(), parent.empty() ? "" : "\"", i % 300,
                  i % 1000);
    out += line;
    parent = span;
  }
  return out;
}

const Corpus& genLogs() {
  static const Corpus corpus = [] {
    if (const char* path = std::getenv("STITCH_BENCH_LOGS")) {
      std::ifstream in(path, std::ios::binary);
      if (in) {
        std::stringstream content;
        content << in.rdbuf();
        return makeCorpus(content.str());
      }
      std::fprintf(stderr, "decode_bench: cannot read STITCH_BENCH_LOGS=%s\n", path);
    }
    std::fprintf(stderr,
                 "decode_bench: NOTE: STITCH_BENCH_LOGS not set; using 200000 generated lines of "
                 "gen_logs.py's shape. For the reference figure run\n  python3 "
                 "../shared/bench/gen_logs.py --count 200000 --seed 42 --out /tmp/logs.ndjson\n"
                 "  STITCH_BENCH_LOGS=/tmp/logs.ndjson %s\n",
                 "build/release/tests/bench/decode_bench");
    return makeCorpus(generateGenLogsLike(200000));
  }();
  return corpus;
}

void decodeCorpus(benchmark::State& state, const Corpus& corpus, const DecodeConfig& config) {
  Decoder decoder(config);
  DecodeOutput out;
  std::size_t records = 0;
  for (auto _ : state) {
    for (const std::string_view read : corpus.reads) {
      decoder.decodeLines(read, kReceived, out);
      records += out.traced.size() + out.untraced.size();
      benchmark::DoNotOptimize(out.traced.data());
      out.clear();  // frees the records: the exporters free them in the daemon
    }
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(corpus.bytes.size()));
  state.counters["bytes_per_line"] =
      static_cast<double>(corpus.bytes.size()) / static_cast<double>(corpus.lines);
}

void BM_DecodeGenLogs(benchmark::State& state) {
  decodeCorpus(state, genLogs(), DecodeConfig{});
}
BENCHMARK(BM_DecodeGenLogs)->Unit(benchmark::kMillisecond);

// Memory held per decoded record: the Record's own allocation (allocatedBytes) and what malloc
// really reserves for it (malloc_usable_size + glibc's 8-byte chunk header), against the bytes
// of the line. The sampling issue requires held bytes <= 1.5x raw bytes.
void BM_RecordMemory(benchmark::State& state) {
  const Corpus& corpus = genLogs();
  Decoder decoder(DecodeConfig{});
  double allocated = 0;
  double reserved = 0;
  double raw = 0;
  double records = 0;
  for (auto _ : state) {
    DecodeOutput out;
    for (const std::string_view read : corpus.reads) {
      decoder.decodeLines(read, kReceived, out);
    }
    allocated = reserved = raw = 0;
    for (const auto* batch : {&out.traced, &out.untraced}) {
      for (const auto& record : *batch) {
        allocated += static_cast<double>(record->allocatedBytes());
        reserved += static_cast<double>(
            malloc_usable_size(const_cast<void*>(static_cast<const void*>(record.get()))) +
            sizeof(std::size_t));
        raw += static_cast<double>(record->raw().size());
      }
    }
    records = static_cast<double>(out.traced.size() + out.untraced.size());
  }
  state.counters["raw_bytes_per_record"] = raw / records;
  state.counters["allocated_bytes_per_record"] = allocated / records;
  state.counters["malloc_bytes_per_record"] = reserved / records;
  state.counters["held_over_raw"] = reserved / raw;
}
BENCHMARK(BM_RecordMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

// ---- One figure per preset: lines shaped like each library's output. ----

std::string presetLines(InputFormat format, std::size_t count) {
  std::mt19937_64 rng(7);
  std::string out;
  char line[2048];
  for (std::size_t i = 0; i < count; ++i) {
    const std::string trace = hexId(rng, 32);
    const std::string span = hexId(rng, 16);
    const std::string parent = hexId(rng, 16);
    switch (format) {
      case InputFormat::kCanonical:  // the guide's library (tctx) with pino-like fields
        std::snprintf(line, sizeof(line),
                      "{\"level\":\"info\",\"timestamp\":\"2024-05-01T12:00:00.%03zuZ\","
                      "\"trace_id\":\"%s\",\"parent_id\":\"%s\",\"service\":\"payment-service\","
                      "\"operation\":\"process_payment\",\"duration_ms\":%zu,\"status\":\"ok\","
                      "\"message\":\"payment processed\",\"attributes\":{\"amount\":12.5,"
                      "\"currency\":\"EUR\",\"user.id\":\"u%06zu\"}}\n",
                      i % 1000, trace.c_str(), span.c_str(), i % 900, i % 1000000);
        break;
      case InputFormat::kOtel:  // OTLP/JSON log record
        std::snprintf(line, sizeof(line),
                      "{\"timeUnixNano\":\"17145648000%08zu\",\"observedTimeUnixNano\":"
                      "\"1714564800100000000\",\"severityNumber\":9,\"severityText\":\"INFO\","
                      "\"body\":{\"stringValue\":\"cart updated\"},\"attributes\":[{\"key\":"
                      "\"http.route\",\"value\":{\"stringValue\":\"/api/v1/cart\"}},{\"key\":"
                      "\"cart.items\",\"value\":{\"intValue\":\"3\"}}],\"traceId\":\"%s\","
                      "\"spanId\":\"%s\",\"flags\":1,\"resource\":{\"attributes\":[{\"key\":"
                      "\"service.name\",\"value\":{\"stringValue\":\"cart\"}}]}}\n",
                      i, trace.c_str(), span.c_str());
        break;
      case InputFormat::kEcs:  // @elastic/ecs-pino-format with the APM agent
        std::snprintf(line, sizeof(line),
                      "{\"log.level\":\"info\",\"@timestamp\":\"2024-05-01T12:00:00.%03zuZ\","
                      "\"process.pid\":4242,\"host.hostname\":\"web-1\",\"ecs.version\":"
                      "\"8.10.0\",\"service.name\":\"checkout\",\"event.dataset\":\"checkout\","
                      "\"trace.id\":\"%s\",\"transaction.id\":\"%s\",\"span.id\":\"%s\","
                      "\"message\":\"order placed\"}\n",
                      i % 1000, trace.c_str(), parent.c_str(), span.c_str());
        break;
      case InputFormat::kDatadog:  // dd-trace-js log injection into pino
        std::snprintf(line, sizeof(line),
                      "{\"level\":30,\"time\":1714564800%03zu,\"pid\":4242,\"hostname\":\"web-1\","
                      "\"dd\":{\"trace_id\":\"%llu\",\"span_id\":\"%llu\",\"service\":"
                      "\"checkout\",\"version\":\"1.2.3\",\"env\":\"prod\"},\"msg\":\"order "
                      "placed\"}\n",
                      i % 1000, static_cast<unsigned long long>(rng()),
                      static_cast<unsigned long long>(rng()));
        break;
      case InputFormat::kCustom:  // ids under an application-specific object
        std::snprintf(line, sizeof(line),
                      "{\"@t\":\"2024-05-01T12:00:00.%03zuZ\",\"@l\":\"Information\",\"@m\":"
                      "\"order placed\",\"ctx\":{\"trace\":\"%s\",\"span\":\"%s\",\"svc\":"
                      "\"checkout\"},\"Elapsed\":%zu.5}\n",
                      i % 1000, trace.c_str(), span.c_str(), i % 900);
        break;
      case InputFormat::kAuto:
        break;
    }
    out += line;
  }
  return out;
}

void BM_DecodePreset(benchmark::State& state) {
  const auto format = static_cast<InputFormat>(state.range(0));
  DecodeConfig config;
  config.format = format;
  if (format == InputFormat::kCustom) {
    config.fields.timestamp = "@t";
    config.fields.level = "@l";
    config.fields.message = "@m";
    config.fields.trace_id = "ctx.trace";
    config.fields.span_id = "ctx.span";
    config.fields.service = "ctx.svc";
    config.fields.duration_ms = "Elapsed";
  }
  static std::unique_ptr<Corpus> corpora[stitch::decode::kInputFormatCount];
  if (corpora[state.range(0)] == nullptr) {
    corpora[state.range(0)] = std::make_unique<Corpus>(makeCorpus(presetLines(format, 20000)));
  }
  state.SetLabel(std::string(stitch::decode::inputFormatName(format)));
  decodeCorpus(state, *corpora[state.range(0)], config);
}
BENCHMARK(BM_DecodePreset)
    ->Arg(static_cast<int>(InputFormat::kCanonical))
    ->Arg(static_cast<int>(InputFormat::kOtel))
    ->Arg(static_cast<int>(InputFormat::kEcs))
    ->Arg(static_cast<int>(InputFormat::kDatadog))
    ->Arg(static_cast<int>(InputFormat::kCustom))
    ->Unit(benchmark::kMillisecond);

// The same gen_logs lines with format: auto vs the explicit canonical preset (detection cost).
void BM_DecodeGenLogsExplicitCanonical(benchmark::State& state) {
  DecodeConfig config;
  config.format = InputFormat::kCanonical;
  decodeCorpus(state, genLogs(), config);
}
BENCHMARK(BM_DecodeGenLogsExplicitCanonical)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
