#include "core/sampling/head_sampler.h"

#include <random>

#include <catch2/catch.hpp>

#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::sampling;
using namespace stitch::test;

namespace {

record::RecordPtr withFlags(std::optional<std::uint8_t> flags, const TraceId& trace) {
  RecordSpec spec;
  spec.trace = trace;
  spec.span = SpanId{1};
  spec.trace_flags = flags;
  return makeRecord(spec);
}

}  // namespace

TEST_CASE("HeadSampler drops records whose known flags say not sampled", "[sampling][head]") {
  const TraceId trace = traceId("4bf92f3577b34da6a3ce929d0e0e4736");
  const HeadSampler sampler{HeadSamplingConfig{}};
  CHECK(sampler.decide(*withFlags(0x00, trace)) == HeadVerdict::kDroppedSampledFlag);
  CHECK(sampler.decide(*withFlags(0x02, trace)) == HeadVerdict::kDroppedSampledFlag);
  CHECK(sampler.decide(*withFlags(0x01, trace)) == HeadVerdict::kKept);
  CHECK(sampler.decide(*withFlags(0x03, trace)) == HeadVerdict::kKept);
  CHECK(sampler.decide(*withFlags(std::nullopt, trace)) == HeadVerdict::kKept);  // unknown

  HeadSamplingConfig ignore;
  ignore.respect_sampled_flag = false;
  CHECK(HeadSampler{ignore}.decide(*withFlags(0x00, trace)) == HeadVerdict::kKept);
}

TEST_CASE("HeadSampler passes untraced records on untouched", "[sampling][head]") {
  HeadSamplingConfig config;
  config.probability = 1e-6;
  RecordSpec spec;  // no trace id
  CHECK(HeadSampler{config}.decide(*makeRecord(spec)) == HeadVerdict::kUntraced);
}

TEST_CASE("HeadSampler keeps exactly the trace ids with R >= T", "[sampling][head]") {
  HeadSamplingConfig config;
  config.probability = 0.25;  // T = 0xc0000000000000
  const HeadSampler sampler{config};
  CHECK(sampler.threshold().value == std::uint64_t{0xc0000000000000});
  CHECK(sampler.decide(*withFlags(1, traceWithRandomness(7, 0xc0000000000000))) ==
        HeadVerdict::kKept);
  CHECK(sampler.decide(*withFlags(1, traceWithRandomness(7, 0xbfffffffffffff))) ==
        HeadVerdict::kDroppedProbability);
  // Byte 8 (the top of `lo`) is not randomness and does not count.
  CHECK(sampler.decide(*withFlags(1, TraceId{7, 0xff3fffffffffffff})) ==
        HeadVerdict::kDroppedProbability);

  std::mt19937_64 rng(5);
  int kept = 0;
  constexpr int kTraces = 20000;
  for (int i = 0; i < kTraces; ++i) {
    kept +=
        sampler.decide(*withFlags(std::nullopt, TraceId{rng() | 1, rng()})) == HeadVerdict::kKept;
  }
  CHECK(kept == Approx(kTraces * 0.25).epsilon(0.05));
}

TEST_CASE("HeadSampler reads rv and respects an upstream ot=th", "[sampling][head]") {
  const TraceId low = traceWithRandomness(9, 0x00000000000001);  // would be dropped at 50%
  HeadSamplingConfig config;
  config.probability = 0.5;
  const HeadSampler sampler{config};
  RecordSpec spec;
  spec.trace = low;
  spec.span = SpanId{1};
  CHECK(sampler.decide(*makeRecord(spec)) == HeadVerdict::kDroppedProbability);
  spec.tracestate = "ot=rv:f0000000000000";
  CHECK(sampler.decide(*makeRecord(spec)) == HeadVerdict::kKept);

  // Upstream sampled at 1/16 (th:f): R = 0x80... passes our 50% but not theirs.
  spec.tracestate = "ot=th:f;rv:80000000000000";
  CHECK(sampler.decide(*makeRecord(spec)) == HeadVerdict::kDroppedTracestateThreshold);
  HeadSamplingConfig trusting = config;
  trusting.respect_tracestate_threshold = false;
  CHECK(HeadSampler{trusting}.decide(*makeRecord(spec)) == HeadVerdict::kKept);

  // At probability 1 an upstream threshold alone decides.
  spec.tracestate = "ot=th:f;rv:80000000000000";
  CHECK(HeadSampler{HeadSamplingConfig{}}.decide(*makeRecord(spec)) ==
        HeadVerdict::kDroppedTracestateThreshold);
  spec.tracestate = "ot=th:8;rv:80000000000000";
  CHECK(HeadSampler{HeadSamplingConfig{}}.decide(*makeRecord(spec)) == HeadVerdict::kKept);
}

TEST_CASE("HeadSampler::filter removes and counts what it drops, in order", "[sampling][head]") {
  const HeadSampler sampler{HeadSamplingConfig{}};
  record::RecordBatch batch;
  batch.push_back(withFlags(1, TraceId{1, 1}));
  batch.push_back(withFlags(0, TraceId{1, 2}));
  batch.push_back(makeRecord(RecordSpec{}));  // untraced
  batch.push_back(withFlags(0, TraceId{1, 3}));
  batch.push_back(withFlags(1, TraceId{1, 4}));
  HeadCounts counts;
  record::RecordBatch dropped;
  sampler.filter(batch, counts, &dropped);
  REQUIRE(batch.size() == 3);
  CHECK(batch[0]->trace_id.lo == 1);
  CHECK_FALSE(batch[1]->hasTraceContext());
  CHECK(batch[2]->trace_id.lo == 4);
  CHECK(dropped.size() == 2);
  CHECK(counts[HeadVerdict::kKept] == 2);
  CHECK(counts[HeadVerdict::kUntraced] == 1);
  CHECK(counts[HeadVerdict::kDroppedSampledFlag] == 2);

  metrics::Registry registry;
  HeadSamplerMetrics metrics(registry);
  metrics.add(counts);
  CHECK(registry.valueOf("stitch_sampling_head_records_total",
                         {{"result", "dropped_sampled_flag"}}) == 2);
  CHECK(counts[HeadVerdict::kKept] == 0);
}

TEST_CASE("HeadSamplingConfig rejects probabilities of 0 or above 1", "[sampling][head]") {
  HeadSamplingConfig config;
  CHECK(config.validate().empty());
  config.probability = 0;
  REQUIRE(config.validate().size() == 1);
  CHECK(config.validate()[0].path == "probability");
  config.probability = 1.5;
  CHECK_FALSE(config.validate().empty());
}
