#include "core/pipeline/shard.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "core/pipeline/routing.h"
#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::test;
using pipeline::PassThroughReason;
using pipeline::Shard;
using pipeline::ShardConfig;
using pipeline::ShardContext;
using record::RecordBatch;
using trace::Decision;
using trace::DecisionTrigger;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RecordingSink final : public pipeline::ShardSink {
public:
  void onKept(trace::DecidedTracePtr trace) override {
    ++kept_count[trace->trace_id];
    kept.push_back(std::move(trace));
  }
  void onLateRecords(RecordBatch&& records) override {
    for (auto& r : records) {
      late.push_back(std::move(r));
    }
  }
  void onStreamed(RecordBatch&& records) override {
    ++streamed_batches;
    for (auto& r : records) {
      streamed.push_back(std::move(r));
    }
  }
  void onPassThrough(RecordBatch&& records, PassThroughReason reason) override {
    for (auto& r : records) {
      (reason == PassThroughReason::kUntraced ? untraced : dropped).push_back(std::move(r));
    }
  }
  const trace::DecidedTrace* find(const TraceId& id) const {
    for (const auto& t : kept) {
      if (t->trace_id == id) {
        return t.get();
      }
    }
    return nullptr;
  }

  std::vector<trace::DecidedTracePtr> kept;
  std::map<TraceId, int> kept_count;
  RecordBatch late;
  RecordBatch streamed;
  int streamed_batches = 0;
  RecordBatch untraced;
  RecordBatch dropped;
};

using sampling::makePolicy;

ShardConfig keepAll() {
  ShardConfig config;
  config.sampling.tail.policies = {makePolicy("all", sampling::AlwaysSampleRule{})};
  return config;
}

RecordBatch batchOf(record::RecordPtr record) {
  RecordBatch batch;
  batch.push_back(std::move(record));
  return batch;
}

const TraceId kCheckout = traceId("4bf92f3577b34da6a3ce929d0e0e4736");

}  // namespace

TEST_CASE("a shard stitches interleaved records of several traces into their trees",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.sampling.tail.root_grace = seconds(60);  // decide by decision_wait here
  Shard shard(config, sink, clock);

  const TraceId other = traceId("0af7651916cd43dd8448eb211c80319c");
  const TraceId third = traceId("11111111111111112222222222222222");
  RecordBatch batch;
  batch.push_back(makeSpan(kCheckout, 0xb2c3d4e5f6a7b8c9, 0xa1b2c3d4e5f6a7b8, 10, 40, "cart"));
  batch.push_back(makeSpan(other, 2, 1, 3, 4));
  batch.push_back(makeSpan(kCheckout, 0xd4e5f6a7b8c9d0e1, 0xc3d4e5f6a7b8c9d0, 20, 70, "payment"));
  batch.push_back(makeEvent(third, 5, 0, 1));
  batch.push_back(makeSpan(kCheckout, 0xa1b2c3d4e5f6a7b8, 0x00f067aa0ba902b7, 5, 60, "cart"));
  batch.push_back(makeSpan(other, 1, 0, 0, 10));
  shard.onRecords(std::move(batch));
  clock.advance(seconds(1));
  RecordBatch more;
  more.push_back(makeSpan(kCheckout, 0xc3d4e5f6a7b8c9d0, 0x00f067aa0ba902b7, 15, 80, "payment"));
  more.push_back(makeSpan(kCheckout, 0x00f067aa0ba902b7, 0, 0, 100, "api-gateway", "checkout"));
  shard.onRecords(std::move(more));
  CHECK(shard.tracesHeld() == 3);

  clock.advance(seconds(9));  // 10 s after other's and third's last record
  shard.onTick();
  CHECK(sink.kept.size() == 2);
  clock.advance(seconds(1));
  shard.onTick();
  REQUIRE(sink.kept.size() == 3);
  CHECK(shard.tracesHeld() == 0);
  CHECK(shard.bytesHeld() < 64 * 1024);  // only the empty index is left

  const trace::DecidedTrace* checkout = sink.find(kCheckout);
  REQUIRE(checkout != nullptr);
  CHECK(checkout->records.size() == 5);
  CHECK(checkout->tree.spans.size() == 5);
  REQUIRE(checkout->tree.roots.size() == 1);
  const trace::Span& root = checkout->tree.spans[static_cast<std::size_t>(checkout->tree.roots[0])];
  CHECK(root.span_id.value == 0x00f067aa0ba902b7);
  CHECK(root.children.size() == 2);
  CHECK(checkout->summary.root_service == "api-gateway");
  CHECK(checkout->decision.decision == Decision::kKeep);
  CHECK(checkout->decision.policy == "all");
  CHECK(checkout->decision.trigger == DecisionTrigger::kDecisionWait);
  CHECK_FALSE(checkout->decision.early);
  CHECK(checkout->decision.decided_at_ns == clock.now());
  for (const auto& [id, count] : sink.kept_count) {
    CHECK(count == 1);
  }
}

TEST_CASE("a trace is decided decision_wait after its last record, not its first",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.sampling.tail.decision_wait = seconds(10);
  Shard shard(config, sink, clock);

  shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
  clock.advance(seconds(9));
  shard.onTick();
  shard.onRecords(batchOf(makeSpan(kCheckout, 3, 1, 0, 5)));
  clock.advance(seconds(9));
  shard.onTick();
  CHECK(sink.kept.empty());
  CHECK(shard.nextDeadlineNs() == clock.now() + 1 * kNanosPerSecond);
  clock.advance(seconds(1));
  shard.onTick();
  REQUIRE(sink.kept.size() == 1);
  CHECK(sink.kept[0]->records.size() == 2);
}

TEST_CASE("a trace whose root span completed is decided after root_grace", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.sampling.tail.decision_wait = seconds(10);
  config.sampling.tail.root_grace = seconds(2);
  Shard shard(config, sink, clock);

  shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 5, 40)));
  clock.advance(seconds(3));
  shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 100)));  // the root, last as usual
  clock.advance(milliseconds(1500));
  shard.onRecords(batchOf(makeEvent(kCheckout, 2, 1, 50)));  // a straggler within the grace
  clock.advance(milliseconds(499));
  shard.onTick();
  CHECK(sink.kept.empty());
  clock.advance(milliseconds(1));
  shard.onTick();
  REQUIRE(sink.kept.size() == 1);
  CHECK(sink.kept[0]->records.size() == 3);
  CHECK(sink.kept[0]->decision.trigger == DecisionTrigger::kRootGrace);

  // A record after the decision follows it as a late record.
  shard.onRecords(batchOf(makeEvent(kCheckout, 2, 1, 60)));
  CHECK(sink.late.size() == 1);
  CHECK(shard.stats().late_kept == 1);
  CHECK(shard.tracesHeld() == 0);
}

TEST_CASE("late records of a dropped trace are dropped, or passed through when configured",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config;
  config.sampling.tail.policies = {makePolicy("none", sampling::NeverSampleRule{})};
  SECTION("dropped with the trace") {
    Shard shard(config, sink, clock);
    shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
    clock.advance(seconds(10));
    shard.onTick();
    CHECK(sink.kept.empty());
    CHECK(shard.stats().dropped_trace_records == 1);
    shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
    CHECK(shard.stats().late_dropped == 1);
    CHECK(shard.stats().dropped_trace_records == 2);
    CHECK(sink.dropped.empty());
    CHECK(shard.tracesHeld() == 0);
    const auto decision = shard.cachedDecision(kCheckout);
    REQUIRE(decision);
    CHECK(decision->decision == Decision::kDrop);
    CHECK(decision->policy == "no_match");
  }
  SECTION("passed through as plain logs") {
    config.sampling.dropped_trace_logs = sampling::DroppedTraceLogAction::kPassThrough;
    Shard shard(config, sink, clock);
    shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
    clock.advance(seconds(10));
    shard.onTick();
    shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
    CHECK(sink.dropped.size() == 2);
    CHECK(shard.stats().dropped_trace_records_passed == 2);
  }
}

TEST_CASE("a record whose trace decision was forgotten starts a new trace, counted",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.sampling.decision_cache.ttl = seconds(30);
  Shard shard(config, sink, clock);
  shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
  clock.advance(seconds(10));
  shard.onTick();
  REQUIRE(sink.kept.size() == 1);
  clock.advance(seconds(31));
  shard.onTick();  // expires the decision
  CHECK_FALSE(shard.cachedDecision(kCheckout));
  shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
  CHECK(shard.stats().late_forgotten == 1);
  CHECK(shard.tracesHeld() == 1);
  CHECK(sink.late.empty());
  clock.advance(seconds(10));
  shard.onTick();
  CHECK(sink.kept.size() == 2);  // a second, separate decision for the straggler
}

TEST_CASE("without a decision cache late records start new traces", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.sampling.decision_cache.enabled = false;
  Shard shard(config, sink, clock);
  shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
  clock.advance(seconds(10));
  shard.onTick();
  shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
  CHECK(shard.tracesHeld() == 1);
  CHECK(shard.stats().late_kept == 0);
}

TEST_CASE("the byte budget is never exceeded under a flood, and the oldest traces go first",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.assembly.max_bytes = 256 * 1024;
  Shard shard(config, sink, clock);
  std::mt19937_64 rng(3);
  std::vector<TraceId> active;
  for (int i = 0; i < 2000; ++i) {
    active.push_back(TraceId{rng() | 1, rng()});
  }
  std::uint64_t span = 1;
  for (int round = 0; round < 200; ++round) {
    RecordBatch batch;
    for (int i = 0; i < 100; ++i) {
      RecordSpec spec;
      spec.trace = active[rng() % active.size()];
      spec.span = SpanId{span++};
      spec.parent = SpanId{1};
      spec.duration_ms = 3;
      spec.pad_to = 300 + rng() % 200;
      batch.push_back(makeRecord(spec));
    }
    shard.onRecords(std::move(batch));
    REQUIRE(shard.bytesHeld() <= shard.budgetBytes());
    clock.advance(milliseconds(10));
  }
  CHECK(shard.stats().evictions_budget > 0);
  CHECK(shard.stats().decisions_by_trigger[static_cast<std::size_t>(DecisionTrigger::kBudget)] ==
        shard.stats().evictions_budget);
  CHECK(shard.bytesHeld() > shard.budgetBytes() / 2);  // it fills up, it does not over-evict
  bool saw_early = false;
  for (const auto& trace : sink.kept) {
    if (trace->decision.early) {
      saw_early = true;
      CHECK(trace->decision.trigger == DecisionTrigger::kBudget);
    }
  }
  CHECK(saw_early);
  // Every record is accounted for: held, kept (in a trace or late) or counted as dropped.
  std::uint64_t out = sink.late.size() + shard.recordsHeld();
  for (const auto& trace : sink.kept) {
    out += trace->records.size();
  }
  CHECK(out == shard.stats().records_received);
}

TEST_CASE("the least recently active trace is the first decided for room", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.assembly.max_bytes = 48 * 1024;
  Shard shard(config, sink, clock);
  const TraceId a{1, 1};
  const TraceId b{1, 2};
  RecordSpec spec;
  spec.duration_ms = 1;
  spec.pad_to = 2000;
  spec.trace = a;
  spec.span = SpanId{1};
  shard.onRecords(batchOf(makeRecord(spec)));
  clock.advance(milliseconds(1));
  spec.trace = b;
  shard.onRecords(batchOf(makeRecord(spec)));
  clock.advance(milliseconds(1));
  spec.trace = a;  // a is now the more recently active
  spec.span = SpanId{2};
  shard.onRecords(batchOf(makeRecord(spec)));
  std::uint64_t next = 10;
  while (sink.kept.empty()) {
    REQUIRE(next < 1000);  // room must be made long before this
    spec.trace = TraceId{2, next};
    spec.span = SpanId{next++};
    shard.onRecords(batchOf(makeRecord(spec)));
  }
  CHECK(sink.kept.front()->trace_id == b);
  CHECK(sink.kept.front()->decision.early);
}

TEST_CASE("a trace reaching its span cap is decided at once and the rest follows it",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.assembly.max_spans_per_trace = 5;
  Shard shard(config, sink, clock);
  RecordBatch batch;
  for (std::uint64_t i = 1; i <= 8; ++i) {
    batch.push_back(makeSpan(kCheckout, i, i == 1 ? 0 : 1, 0, 1));
  }
  batch.push_back(makeEvent(kCheckout, 3, 1, 0));
  shard.onRecords(std::move(batch));
  REQUIRE(sink.kept.size() == 1);
  CHECK(sink.kept[0]->records.size() == 5);
  CHECK(sink.kept[0]->decision.early);
  CHECK(sink.kept[0]->decision.trigger == DecisionTrigger::kTraceCap);
  CHECK(sink.late.size() == 4);
  CHECK(shard.stats().evictions_trace_cap == 1);
  CHECK(shard.tracesHeld() == 0);
}

TEST_CASE("a trace reaching its byte cap is decided at once", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  config.assembly.max_bytes_per_trace = 4096;
  Shard shard(config, sink, clock);
  RecordSpec spec;
  spec.trace = kCheckout;
  spec.duration_ms = 1;
  spec.pad_to = 1000;
  for (std::uint64_t i = 1; i <= 6; ++i) {
    spec.span = SpanId{i};
    shard.onRecords(batchOf(makeRecord(spec)));
  }
  REQUIRE(sink.kept.size() == 1);
  CHECK(sink.kept[0]->records.size() < 6);
  CHECK(sink.kept[0]->decision.trigger == DecisionTrigger::kTraceCap);

  spec.trace = TraceId{5, 5};
  spec.pad_to = 5000;  // alone bigger than a trace may be
  shard.onRecords(batchOf(makeRecord(spec)));
  CHECK(shard.stats().records_too_large == 1);
}

TEST_CASE("two separate shards fed the same trace ids make the same decisions",
          "[pipeline][shard]") {
  ShardConfig config;  // the default policies...
  sampling::ProbabilisticRule probabilistic;
  probabilistic.probabilistic.sampling_percentage = 25;
  // ...with a consistent probabilistic keep before the adaptive one, which starts at 1
  // (it would keep everything here) unless lowered for the test.
  config.sampling.tail.policies.insert(config.sampling.tail.policies.begin() + 3,
                                       makePolicy("sample", probabilistic));
  auto& adaptive = std::get<sampling::AdaptiveRule>(config.sampling.tail.policies.back().rule);
  adaptive.adaptive.initial_probability = 0.1;
  adaptive.adaptive.min_traces_per_second = 0;

  const auto run = [&config](std::uint64_t order_seed) {
    ManualClock clock;
    RecordingSink sink;
    Shard shard(config, sink, clock);
    std::mt19937_64 ids(77);  // the same trace ids for both shards
    std::vector<RecordBatch> traces;
    for (int t = 0; t < 400; ++t) {
      const TraceId id{ids() | 1, ids()};
      RecordBatch records;
      records.push_back(makeSpan(id, 1, 0, 0, static_cast<std::int64_t>(ids() % 1500)));
      records.push_back(makeSpan(id, 2, 1, 1, 3));
      if (ids() % 10 == 0) {
        RecordSpec error;
        error.trace = id;
        error.span = SpanId{2};
        error.severity = 17;
        records.push_back(makeRecord(error));
      }
      traces.push_back(std::move(records));
    }
    // ...arriving in a different order and batching on each shard.
    std::mt19937_64 order(order_seed);
    RecordBatch all;
    for (auto& records : traces) {
      for (auto& r : records) {
        all.push_back(std::move(r));
      }
    }
    std::shuffle(all.begin(), all.end(), order);
    for (std::size_t i = 0; i < all.size(); i += 1 + order() % 50) {
      RecordBatch batch;
      for (std::size_t j = i; j < std::min(all.size(), i + 50); ++j) {
        if (all[j]) {
          batch.push_back(std::move(all[j]));
        }
      }
      shard.onRecords(std::move(batch));
      clock.advance(milliseconds(5));
    }
    clock.advance(seconds(11));
    shard.onTick();
    std::map<TraceId, std::string> kept;
    for (const auto& trace : sink.kept) {
      kept[trace->trace_id] = trace->decision.policy;
    }
    CHECK(shard.stats().traces_kept + shard.stats().traces_dropped == 400);
    return kept;
  };
  const auto first = run(1);
  const auto second = run(2);
  CHECK(first == second);
  CHECK(first.size() > 40);
  CHECK(first.size() < 360);
  std::set<std::string> policies;
  for (const auto& [id, name] : first) {
    policies.insert(name);
  }
  CHECK(policies.count("sample") == 1);
  CHECK(policies.count("slow") == 1);
  CHECK(policies.count("error-logs") == 1);
}

TEST_CASE("every trace of a long interleaved stream gets exactly one decision",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config;  // defaults: errors, slow, adaptive
  config.assembly.max_bytes = 2 * 1024 * 1024;
  Shard shard(config, sink, clock);
  std::mt19937_64 rng(5);
  struct Active {
    TraceId id;
    int remaining;
    std::uint64_t next_span = 1;
  };
  std::vector<Active> active(300);
  for (auto& a : active) {
    a = {TraceId{rng() | 1, rng()}, static_cast<int>(3 + rng() % 28)};
  }
  std::set<TraceId> started;
  for (int round = 0; round < 300; ++round) {
    RecordBatch batch;
    for (int i = 0; i < 64; ++i) {
      Active& a = active[rng() % active.size()];
      started.insert(a.id);
      RecordSpec spec;
      spec.trace = a.id;
      spec.span = SpanId{a.next_span};
      spec.parent = SpanId{a.next_span == 1 ? 0 : 1 + rng() % (a.next_span - 1)};
      spec.duration_ms = static_cast<std::int64_t>(rng() % 60);
      spec.severity = rng() % 20 == 0 ? 17 : 9;
      spec.pad_to = 365;
      ++a.next_span;
      batch.push_back(makeRecord(spec));
      if (--a.remaining == 0) {
        a = {TraceId{rng() | 1, rng()}, static_cast<int>(3 + rng() % 28)};
      }
    }
    shard.onRecords(std::move(batch));
    clock.advance(milliseconds(100));
    shard.onTick();
    REQUIRE(shard.bytesHeld() <= shard.budgetBytes());
  }
  shard.drain();
  shard.drain();  // twice is harmless
  CHECK(shard.tracesHeld() == 0);
  for (const auto& [id, count] : sink.kept_count) {
    REQUIRE(count == 1);
  }
  const auto& stats = shard.stats();
  CHECK(stats.traces_kept + stats.traces_dropped == stats.traces_started);
  CHECK(stats.traces_kept == sink.kept.size());
  CHECK(stats.traces_started >= started.size());  // forgotten-and-restarted traces add to it
  std::uint64_t by_policy = 0;
  for (std::size_t i = 0; i < stats.kept_by_policy.size(); ++i) {
    by_policy += stats.kept_by_policy[i] + stats.dropped_by_policy[i];
  }
  CHECK(by_policy == stats.traces_started);
}

TEST_CASE("untraced records pass through or are dropped as configured", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config = keepAll();
  RecordSpec untraced;  // no trace id
  SECTION("pass through by default") {
    Shard shard(config, sink, clock);
    shard.onRecords(batchOf(makeRecord(untraced)));
    CHECK(sink.untraced.size() == 1);
    CHECK(shard.stats().records_untraced_passed == 1);
  }
  SECTION("drop") {
    config.sampling.untraced_logs = sampling::UntracedLogAction::kDrop;
    Shard shard(config, sink, clock);
    shard.onRecords(batchOf(makeRecord(untraced)));
    CHECK(sink.untraced.empty());
    CHECK(shard.stats().records_untraced_dropped == 1);
  }
}

TEST_CASE("with tail sampling off every record goes on at once and nothing is held",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  metrics::Registry registry;
  ShardContext context;
  context.metrics = &registry;
  ShardConfig config;  // the default policies, which must not matter
  config.sampling.tail.enabled = false;
  Shard shard(config, sink, clock, context);

  const TraceId other = traceId("0af7651916cd43dd8448eb211c80319c");
  RecordBatch batch;
  batch.push_back(makeSpan(kCheckout, 2, 1, 5, 40, "cart"));
  batch.push_back(makeRecord(RecordSpec{}));  // untraced
  batch.push_back(makeSpan(other, 7, 0, 0, 10));
  batch.push_back(makeSpan(kCheckout, 1, 0, 0, 100, "api-gateway", "checkout"));
  shard.onRecords(std::move(batch));

  // Without advancing the clock: nothing waits for decision_wait or root_grace.
  REQUIRE(sink.streamed.size() == 3);
  CHECK(sink.streamed_batches == 1);
  CHECK(sink.streamed[0]->trace_id == kCheckout);  // arrival order kept
  CHECK(sink.streamed[1]->trace_id == other);
  CHECK(sink.streamed[2]->trace_id == kCheckout);
  CHECK(sink.untraced.size() == 1);
  CHECK(sink.kept.empty());
  CHECK(shard.tracesHeld() == 0);
  CHECK(shard.recordsHeld() == 0);
  CHECK(shard.pendingTrace(kCheckout) == nullptr);
  CHECK_FALSE(shard.cachedDecision(kCheckout));  // no decisions, no cache
  CHECK(shard.stats().records_streamed == 3);
  CHECK(registry.valueOf("stitch_assembly_records_total", {{"result", "streamed"}}) == 3);
  CHECK(registry.valueOf("stitch_assembly_records_total", {{"result", "received"}}) == 4);
  CHECK(registry.valueOf("stitch_assembly_records_total", {{"result", "buffered"}}) == 0);

  clock.advance(seconds(60));
  shard.onTick();
  shard.drain();
  CHECK(sink.kept.empty());  // and nothing is decided later either
  CHECK(sink.streamed.size() == 3);
}

TEST_CASE("a pending trace can be read as a snapshot without disturbing it", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  Shard shard(keepAll(), sink, clock);
  shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 5, 40)));
  shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 100)));
  const trace::DecidedTracePtr snapshot = shard.pendingTrace(kCheckout);
  REQUIRE(snapshot);
  CHECK(snapshot->decision.decision == Decision::kPending);
  CHECK(snapshot->records.size() == 2);
  CHECK(snapshot->tree.roots.size() == 1);
  CHECK(shard.pendingTrace(TraceId{9, 9}) == nullptr);
  CHECK(shard.tracesHeld() == 1);
  clock.advance(seconds(10));
  shard.onTick();
  REQUIRE(sink.kept.size() == 1);
  CHECK(snapshot->records.size() == 2);  // the snapshot owns its copies
  CHECK(shard.pendingTrace(kCheckout) == nullptr);
  const auto decision = shard.cachedDecision(kCheckout);
  REQUIRE(decision);
  CHECK(decision->decision == Decision::kKeep);
  CHECK(decision->policy == "all");
}

TEST_CASE("a shard exports its counts and gauges to the metrics registry", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  metrics::Registry registry;
  ShardContext context;
  context.metrics = &registry;
  {
    Shard shard(keepAll(), sink, clock, context);
    shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
    CHECK(registry.valueOf("stitch_assembly_traces_held") == 1);
    CHECK(registry.valueOf("stitch_assembly_bytes_held") == shard.bytesHeld());
    clock.advance(seconds(10));
    shard.onTick();
    shard.onRecords(batchOf(makeSpan(kCheckout, 2, 1, 0, 5)));
    CHECK(registry.valueOf("stitch_sampling_decisions_total",
                           {{"decision", "keep"}, {"policy", "all"}}) == 1);
    CHECK(registry.valueOf("stitch_sampling_late_records_total", {{"decision", "keep"}}) == 1);
    CHECK(registry.valueOf("stitch_sampling_decision_triggers_total",
                           {{"trigger", "decision_wait"}}) == 1);
    CHECK(registry.valueOf("stitch_assembly_records_total", {{"result", "received"}}) == 2);
    CHECK(registry.valueOf("stitch_assembly_traces_held") == 0);
  }
  CHECK(registry.valueOf("stitch_assembly_bytes_held") == 0);  // a gone shard holds nothing
}

TEST_CASE("a shard publishes adaptive probabilities readable from another thread",
          "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  ShardConfig config;
  sampling::AdaptiveRule adaptive;
  adaptive.adaptive.target_traces_per_second = 1;
  config.sampling.tail.policies = {makePolicy("adaptive", adaptive)};
  Shard shard(config, sink, clock);
  CHECK(shard.adaptiveSnapshot()->keys.empty());
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    shard.onRecords(batchOf(makeSpan(TraceId{rng() | 1, rng()}, 1, 0, 0, 1, "cart", "GET")));
  }
  clock.advance(seconds(10));
  shard.onTick();
  sampling::AdaptiveSnapshotPtr seen;
  std::thread reader([&] { seen = shard.adaptiveSnapshot(); });
  reader.join();
  REQUIRE(seen);
  REQUIRE(seen->keys.size() == 1);
  CHECK(seen->keys[0].service == "cart");
  CHECK(seen->keys[0].probability == Approx(0.1));
  CHECK(seen->keys[0].threshold == "e666");
}

TEST_CASE("drain decides every pending trace and is safe on an empty shard", "[pipeline][shard]") {
  ManualClock clock;
  RecordingSink sink;
  Shard shard(keepAll(), sink, clock);
  shard.drain();
  shard.onRecords(batchOf(makeSpan(kCheckout, 1, 0, 0, 5)));
  shard.onRecords({});
  shard.drain();
  REQUIRE(sink.kept.size() == 1);
  CHECK(sink.kept[0]->decision.trigger == DecisionTrigger::kShutdown);
  shard.drain();
  CHECK(sink.kept.size() == 1);
}

TEST_CASE("ShardConfig validates both of its sections", "[pipeline][shard]") {
  ShardConfig config;
  CHECK(config.validate().empty());
  config.assembly.max_bytes = 10;
  config.sampling.head.probability = 0;
  const ConfigProblems problems = config.validate();
  REQUIRE(problems.size() >= 2);
  CHECK(problems[0].path.rfind("assembly.", 0) == 0);
  CHECK(problems.back().path == "sampling.head.probability");
}

TEST_CASE("shardFor spreads trace ids evenly and always maps an id to the same shard",
          "[pipeline][routing]") {
  CHECK(pipeline::shardFor(kCheckout, 1) == 0);
  const std::size_t shard = pipeline::shardFor(kCheckout, 8);
  CHECK(shard < 8);
  CHECK(pipeline::shardFor(kCheckout, 8) == shard);
  std::vector<int> counts(8, 0);
  for (std::uint64_t i = 1; i <= 80000; ++i) {
    ++counts[pipeline::shardFor(TraceId{0, i}, 8)];  // sequential ids from a poor generator
  }
  for (const int count : counts) {
    CHECK(count == Approx(10000).epsilon(0.05));
  }
  // Pinned values: other tiers and versions must route the same way.
  CHECK(pipeline::shardFor(TraceId{0, 1}, 1000) ==
        static_cast<std::size_t>(
            (static_cast<long double>(tracecontext::TraceIdHash{}(TraceId{0, 1})) * 1000.0L) /
            18446744073709551616.0L));
}
