#include "daemon/pipeline/pipeline.h"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "core/pipeline/routing.h"
#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::test;
using daemon::Pipeline;
using ingest::PushResult;
using record::RecordBatch;

namespace {

using namespace std::chrono_literals;

// Called from the shard threads: everything under one mutex.
class LockedSink final : public pipeline::ShardSink {
public:
  void onKept(trace::DecidedTracePtr trace) override {
    std::lock_guard lock(mutex);
    kept_records[trace->trace_id] += trace->records.size();
    ++kept_traces[trace->trace_id];
  }
  void onLateRecords(RecordBatch&& records) override {
    std::lock_guard lock(mutex);
    late += records.size();
  }
  void onStreamed(RecordBatch&& records) override {
    std::lock_guard lock(mutex);
    for (const auto& r : records) {
      ++streamed[r->trace_id];
    }
  }
  void onPassThrough(RecordBatch&& records, pipeline::PassThroughReason) override {
    std::lock_guard lock(mutex);
    passed += records.size();
  }

  std::mutex mutex;
  std::map<TraceId, std::size_t> streamed;
  std::map<TraceId, std::size_t> kept_records;
  std::map<TraceId, int> kept_traces;
  std::size_t late = 0;
  std::size_t passed = 0;
};

pipeline::ShardConfig keepAll() {
  pipeline::ShardConfig config;
  config.sampling.tail.policies = {sampling::makePolicy("all", sampling::AlwaysSampleRule{})};
  return config;
}

pipeline::PipelineConfig twoShards(std::uint64_t queue_records = 65536) {
  pipeline::PipelineConfig config;
  config.shards = 2;
  config.queue_records = queue_records;
  return config;
}

TraceId nthTrace(std::uint64_t i) {
  return TraceId{0x1000 + i, 0xabcdef0000ULL + i * 7919};
}

// The first trace id (from `from`) that routes to shard `shard` of two.
TraceId traceOnShard(std::size_t shard, std::uint64_t from = 0) {
  for (std::uint64_t i = from;; ++i) {
    if (pipeline::shardFor(nthTrace(i), 2) == shard) {
      return nthTrace(i);
    }
  }
}

std::chrono::steady_clock::time_point inSeconds(int s) {
  return std::chrono::steady_clock::now() + std::chrono::seconds(s);
}

// Polls `predicate` (each call crosses to a shard thread and back) until it holds or 10 s
// pass: the shard threads run on the real scheduler, the trace clock is a ManualClock.
template <typename F>
bool eventually(F predicate) {
  const auto deadline = inSeconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) {
      return true;
    }
    std::this_thread::yield();
  }
  return false;
}

}  // namespace

TEST_CASE("the pipeline gives each trace whole to one shard and a stop decides them all",
          "[pipeline][daemon]") {
  ManualClock clock;
  LockedSink sink;
  metrics::Registry registry;
  Pipeline pipeline(twoShards(), keepAll(), sink, nullptr, registry, clock);
  REQUIRE(pipeline.shardCount() == 2);

  RecordBatch batch;
  for (int round = 0; round < 5; ++round) {
    for (std::uint64_t t = 0; t < 20; ++t) {
      batch.push_back(makeSpan(nthTrace(t), 100 + round, round == 0 ? 0 : 100, round, 1));
    }
    batch.push_back(makeRecord(RecordSpec{}));  // untraced
  }
  REQUIRE(pipeline.tryPush(batch) == PushResult::kAccepted);
  CHECK(batch.empty());
  pipeline.start();
  REQUIRE(pipeline.stop(inSeconds(10)));

  std::lock_guard lock(sink.mutex);
  REQUIRE(sink.kept_traces.size() == 20);
  for (const auto& [id, count] : sink.kept_traces) {
    CHECK(count == 1);                  // one shard saw all of it, once
    CHECK(sink.kept_records[id] == 5);  // no record lost or split off
  }
  CHECK(sink.passed == 5);
  CHECK(registry.valueOf("stitch_sampling_head_records_total", {{"result", "kept"}}) == 100);
  CHECK(registry.valueOf("stitch_sampling_head_records_total", {{"result", "untraced"}}) == 5);

  RecordBatch after;
  after.push_back(makeSpan(nthTrace(0), 1, 0, 0, 1));
  CHECK(pipeline.tryPush(after) == PushResult::kClosed);
  CHECK(after.size() == 1);  // left with the caller
}

TEST_CASE("with tail sampling off the shards send each record on without waiting",
          "[pipeline][daemon]") {
  ManualClock clock;  // never advanced: nothing may wait for decision_wait
  LockedSink sink;
  metrics::Registry registry;
  pipeline::ShardConfig config = keepAll();
  config.sampling.tail.enabled = false;
  Pipeline pipeline(twoShards(), config, sink, nullptr, registry, clock);
  pipeline.start();

  RecordBatch batch;
  for (std::uint64_t t = 0; t < 20; ++t) {
    batch.push_back(makeSpan(nthTrace(t), 2, 1, 0, 1));
    batch.push_back(makeSpan(nthTrace(t), 1, 0, 0, 2));
  }
  batch.push_back(makeRecord(RecordSpec{}));  // untraced
  REQUIRE(pipeline.tryPush(batch) == PushResult::kAccepted);
  CHECK(eventually([&] {
    std::lock_guard lock(sink.mutex);
    return sink.streamed.size() == 20 && sink.passed == 1;
  }));
  CHECK(pipeline.recordsHeld() == 0);
  REQUIRE(pipeline.stop(inSeconds(10)));
  std::lock_guard lock(sink.mutex);
  CHECK(sink.kept_traces.empty());
  for (const auto& [id, count] : sink.streamed) {
    CHECK(count == 2);
  }
}

TEST_CASE("records head sampling drops are passed through when dropped_trace_logs says so",
          "[pipeline][daemon]") {
  for (const bool tail : {true, false}) {
    for (const auto action :
         {sampling::DroppedTraceLogAction::kDrop, sampling::DroppedTraceLogAction::kPassThrough}) {
      ManualClock clock;
      LockedSink sink;
      metrics::Registry registry;
      pipeline::ShardConfig config = keepAll();
      config.sampling.tail.enabled = tail;
      config.sampling.dropped_trace_logs = action;
      Pipeline pipeline(twoShards(), config, sink, nullptr, registry, clock);
      RecordBatch batch;
      RecordSpec not_sampled;
      not_sampled.trace = nthTrace(1);
      not_sampled.span = tracecontext::SpanId{7};
      not_sampled.trace_flags = 0;  // the upstream said "not sampled"
      batch.push_back(makeRecord(not_sampled));
      batch.push_back(makeSpan(nthTrace(2), 1, 0, 0, 1));
      REQUIRE(pipeline.tryPush(batch) == PushResult::kAccepted);
      pipeline.start();
      REQUIRE(pipeline.stop(inSeconds(10)));
      std::lock_guard lock(sink.mutex);
      const bool passed = action == sampling::DroppedTraceLogAction::kPassThrough;
      CHECK(sink.passed == (passed ? 1U : 0U));
      CHECK(registry.valueOf("stitch_sampling_dropped_trace_records_total",
                             {{"action", "pass_through"}}) == (passed ? 1 : 0));
      CHECK(registry.valueOf("stitch_sampling_head_records_total",
                             {{"result", "dropped_sampled_flag"}}) == 1);
      // The kept trace went on either way, decided or streamed.
      CHECK(sink.kept_traces.size() + sink.streamed.size() == 1);
      CHECK_FALSE(sink.kept_traces.count(nthTrace(1)));
      CHECK_FALSE(sink.streamed.count(nthTrace(1)));
    }
  }
}

TEST_CASE("a full shard queue refuses the whole batch, which the caller may send again",
          "[pipeline][daemon]") {
  ManualClock clock;
  LockedSink sink;
  metrics::Registry registry;
  Pipeline pipeline(twoShards(/*queue_records=*/4), keepAll(), sink, nullptr, registry, clock);
  const TraceId a = traceOnShard(0);
  const TraceId b = traceOnShard(1);

  RecordBatch fill;
  for (std::uint64_t i = 0; i < 4; ++i) {
    fill.push_back(makeSpan(a, 10 + i, 0, 0, 1));
  }
  REQUIRE(pipeline.tryPush(fill) == PushResult::kAccepted);

  RecordSpec unsampled;
  unsampled.trace = b;
  unsampled.span = spanId("0000000000000099");
  unsampled.trace_flags = 0;  // not sampled: head sampling drops it
  RecordBatch mixed;
  mixed.push_back(makeSpan(b, 20, 0, 0, 1));  // shard 1 has room...
  mixed.push_back(makeSpan(a, 21, 0, 0, 1));  // ...shard 0 does not
  mixed.push_back(makeRecord(unsampled));
  CHECK(pipeline.tryPush(mixed) == PushResult::kFull);
  CHECK(mixed.size() == 2);              // the head-dropped record went, the rest came back
  CHECK(pipeline.queuedRecords() == 4);  // nothing reached shard 1 either
  CHECK(registry.valueOf("stitch_sampling_head_records_total",
                         {{"result", "dropped_sampled_flag"}}) == 1);

  pipeline.start();
  REQUIRE(eventually([&] { return pipeline.queuedRecords() == 0; }));
  CHECK(pipeline.tryPush(mixed) == PushResult::kAccepted);
  REQUIRE(pipeline.stop(inSeconds(10)));

  std::lock_guard lock(sink.mutex);
  CHECK(sink.kept_records[a] == 5);
  CHECK(sink.kept_records[b] == 1);
  // The resent records were head-sampled once: counted once.
  CHECK(registry.valueOf("stitch_sampling_head_records_total", {{"result", "kept"}}) == 6);
}

TEST_CASE("a pending trace and then its decision can be looked up from another thread",
          "[pipeline][daemon]") {
  ManualClock clock;
  LockedSink sink;
  metrics::Registry registry;
  pipeline::ShardConfig config = keepAll();
  config.sampling.tail.decision_wait = 5s;
  Pipeline pipeline(twoShards(), config, sink, nullptr, registry, clock);
  pipeline.start();

  const TraceId id = nthTrace(3);
  RecordBatch batch;
  batch.push_back(makeSpan(id, 1, 0, 0, 10));
  batch.push_back(makeEvent(id, 1, 0, 5));
  REQUIRE(pipeline.tryPush(batch) == PushResult::kAccepted);

  trace::DecidedTracePtr pending;
  REQUIRE(eventually([&] {
    pending = pipeline.pendingTrace(id);
    return pending != nullptr && pending->records.size() == 2;
  }));
  CHECK_FALSE(pipeline.decisionFor(id).has_value());
  CHECK(pipeline.recordsHeld() == 2);
  CHECK_FALSE(pipeline.pendingTrace(nthTrace(4)));

  clock.advance(6s);  // past decision_wait: the shard decides at its next tick
  std::optional<trace::DecisionInfo> decision;
  REQUIRE(eventually([&] {
    decision = pipeline.decisionFor(id);
    return decision.has_value();
  }));
  CHECK(decision->decision == trace::Decision::kKeep);
  CHECK_FALSE(pipeline.pendingTrace(id));
  REQUIRE(pipeline.stop(inSeconds(10)));
  std::lock_guard lock(sink.mutex);
  CHECK(sink.kept_records[id] == 2);
}
