// W3C Trace Context hot paths: every record's traceparent is parsed once, and tracestate is
// validated (and its "ot" entry read) per record that carries one. Inputs rotate through a
// table of distinct values, so that the compiler cannot hoist the work out of the loop and
// the branch predictor cannot learn a single value.
// Results and the command that produced them: docs/performance.md.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/tracecontext/id_generator.h"
#include "core/tracecontext/traceparent.h"
#include "core/tracecontext/tracestate.h"

namespace {

using namespace stitch::tracecontext;

constexpr std::size_t kDistinct = 1024;  // a power of two: `i & (kDistinct - 1)` picks one

std::vector<Traceparent> randomContexts() {
  IdGenerator gen(1);
  std::vector<Traceparent> out(kDistinct);
  for (Traceparent& tp : out) {
    tp.trace_id = gen.traceId();
    tp.parent_id = gen.spanId();
    tp.flags = static_cast<std::uint8_t>(gen.next() & kKnownFlags);
  }
  return out;
}

std::vector<std::string> randomValues() {
  std::vector<std::string> out;
  for (const Traceparent& tp : randomContexts()) {
    out.push_back(toString(tp));
  }
  return out;
}

void BM_TraceparentParse(benchmark::State& state) {
  const std::vector<std::string> values = randomValues();
  std::size_t i = 0;
  for (auto _ : state) {
    auto parsed = parseTraceparent(values[i++ & (kDistinct - 1)]);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_TraceparentParse);

// The reject path: every value has one fault somewhere (a different one each time).
void BM_TraceparentParseInvalid(benchmark::State& state) {
  std::vector<std::string> values = randomValues();
  IdGenerator gen(2);
  for (std::string& v : values) {
    v[3 + gen.next() % 52] = 'X';
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto parsed = parseTraceparent(values[i++ & (kDistinct - 1)]);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_TraceparentParseInvalid);

void BM_TraceparentFormat(benchmark::State& state) {
  const std::vector<Traceparent> contexts = randomContexts();
  char out[kTraceparentSize];
  std::size_t i = 0;
  for (auto _ : state) {
    formatTraceparent(contexts[i++ & (kDistinct - 1)], out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_TraceparentFormat);

// What a caller building a header string pays: format plus a std::string (55 chars: heap).
void BM_TraceparentToString(benchmark::State& state) {
  const std::vector<Traceparent> contexts = randomContexts();
  std::size_t i = 0;
  for (auto _ : state) {
    std::string text = toString(contexts[i++ & (kDistinct - 1)]);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_TraceparentToString);

void BM_TraceparentMake(benchmark::State& state) {
  for (auto _ : state) {
    Traceparent tp = make();
    benchmark::DoNotOptimize(tp);
  }
}
BENCHMARK(BM_TraceparentMake);

void BM_TraceparentChild(benchmark::State& state) {
  const std::vector<Traceparent> contexts = randomContexts();
  std::size_t i = 0;
  for (auto _ : state) {
    Traceparent tp = child(contexts[i++ & (kDistinct - 1)]);
    benchmark::DoNotOptimize(tp);
  }
}
BENCHMARK(BM_TraceparentChild);

// tctx's child() returns an object whose toString() gives the header; this is the same work
// in C++: a new parent-id and the 55 header chars.
void BM_TraceparentChildFormat(benchmark::State& state) {
  const std::vector<Traceparent> contexts = randomContexts();
  char out[kTraceparentSize];
  std::size_t i = 0;
  for (auto _ : state) {
    formatTraceparent(child(contexts[i++ & (kDistinct - 1)]), out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_TraceparentChildFormat);

// Headers with `members` entries shaped like real ones: vendor keys, ids and an "ot" entry
// (last, so that get("ot") scans the whole list), a different id in each header.
std::vector<std::string> tracestateHeaders(int members) {
  IdGenerator gen(3);
  static constexpr const char* kVendors[] = {"rojo", "congo", "dd",        "fw529a3039@dt",
                                             "es",   "sw8",   "lightstep", "newrelic@nr"};
  std::vector<std::string> out;
  for (std::size_t h = 0; h < kDistinct; ++h) {
    std::string header;
    for (int m = 0; m < members - 1; ++m) {
      header.append(m == 0 ? "" : ",").append(kVendors[m % 8]);
      if (m >= 8) {
        header.append(std::to_string(m));
      }
      header.append("=").append(SpanId{gen.next() | 1}.hex());
    }
    header.append(members > 1 ? "," : "").append("ot=th:8;rv:");
    header.append(SpanId{gen.next() | 1}.hex().substr(2));
    out.push_back(std::move(header));
  }
  return out;
}

void BM_TracestateViewParse(benchmark::State& state) {
  const std::vector<std::string> headers = tracestateHeaders(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& header = headers[i++ & (kDistinct - 1)];
    auto view = TracestateView::parse(header);
    benchmark::DoNotOptimize(view);
    bytes += static_cast<std::int64_t>(header.size());
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_TracestateViewParse)->Arg(3)->Arg(32);

void BM_TracestateParse(benchmark::State& state) {
  const std::vector<std::string> headers = tracestateHeaders(static_cast<int>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    auto owned = Tracestate::parse(headers[i++ & (kDistinct - 1)]);
    benchmark::DoNotOptimize(owned);
  }
}
BENCHMARK(BM_TracestateParse)->Arg(3)->Arg(32);

// get() on an already parsed 32-member list: "ot" is the last entry, "absent" is not there.
void BM_TracestateGet32(benchmark::State& state) {
  const std::vector<std::string> headers = tracestateHeaders(32);
  std::vector<TracestateView> views;
  for (const std::string& h : headers) {
    views.push_back(*TracestateView::parse(h));
  }
  const std::string key = state.range(0) == 0 ? "ot" : "absent";
  std::size_t i = 0;
  for (auto _ : state) {
    auto value = views[i++ & (kDistinct - 1)].get(key);
    benchmark::DoNotOptimize(value);
  }
  state.SetLabel(key);
}
BENCHMARK(BM_TracestateGet32)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
