#include "core/pipeline/shard.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <utility>

namespace stitch::pipeline {
namespace {

using assembly::PendingTrace;
using trace::Decision;
using trace::DecisionTrigger;

void prefixed(ConfigProblems&& from, std::string_view prefix, ConfigProblems& to) {
  for (ConfigProblem& problem : from) {
    to.push_back({std::string(prefix) + problem.path, std::move(problem.message)});
  }
}

TimestampNs toNanos(std::chrono::milliseconds value) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(value).count();
}

std::size_t atLeastOne(std::size_t n) noexcept {
  return n == 0 ? 1 : n;
}

// Batches handed to the sink are flushed when they reach this size within one call.
constexpr std::size_t kOutputBatch = 1024;

}  // namespace

ConfigProblems ShardConfig::validate() const {
  ConfigProblems problems;
  prefixed(assembly.validate(), "assembly.", problems);
  prefixed(sampling.check(), "sampling.", problems);
  return problems;
}

// Exports ShardStats as deltas into shared registry series (counters are added to, gauges are
// moved by this shard's change), so N shards show up as one total.
class Shard::Metrics {
public:
  Metrics(metrics::Registry& registry, const sampling::TailSampler& tail) {
    const auto counter = [&registry](std::string_view name, std::string_view help,
                                     const metrics::Labels& labels) {
      return &registry.counter(name, help, labels);
    };
    constexpr std::string_view kRecords = "stitch_assembly_records_total";
    constexpr std::string_view kRecordsHelp = "Records reaching the shards, by what became of them";
    received_ = counter(kRecords, kRecordsHelp, {{"result", "received"}});
    buffered_ = counter(kRecords, kRecordsHelp, {{"result", "buffered"}});
    untraced_passed_ = counter(kRecords, kRecordsHelp, {{"result", "untraced_passed"}});
    untraced_dropped_ = counter(kRecords, kRecordsHelp, {{"result", "untraced_dropped"}});
    too_large_ = counter(kRecords, kRecordsHelp, {{"result", "too_large"}});
    streamed_ = counter(kRecords, kRecordsHelp, {{"result", "streamed"}});
    traces_started_ =
        counter("stitch_assembly_traces_started_total", "Traces the shards started assembling", {});
    constexpr std::string_view kEvictions = "stitch_assembly_evictions_total";
    constexpr std::string_view kEvictionsHelp = "Traces decided early, by reason";
    evicted_budget_ = counter(kEvictions, kEvictionsHelp, {{"reason", "budget"}});
    evicted_cap_ = counter(kEvictions, kEvictionsHelp, {{"reason", "trace_cap"}});
    constexpr std::string_view kLate = "stitch_sampling_late_records_total";
    constexpr std::string_view kLateHelp =
        "Records arriving after their trace was decided, by the decision they followed";
    late_kept_ = counter(kLate, kLateHelp, {{"decision", "keep"}});
    late_dropped_ = counter(kLate, kLateHelp, {{"decision", "drop"}});
    late_forgotten_ = counter(kLate, kLateHelp, {{"decision", "forgotten"}});
    constexpr std::string_view kDroppedRecords = "stitch_sampling_dropped_trace_records_total";
    constexpr std::string_view kDroppedRecordsHelp =
        "Records of dropped traces, by what became of them";
    dropped_records_ = counter(kDroppedRecords, kDroppedRecordsHelp, {{"action", "drop"}});
    dropped_records_passed_ =
        counter(kDroppedRecords, kDroppedRecordsHelp, {{"action", "pass_through"}});
    for (std::size_t i = 0; i < trace::kDecisionTriggerCount; ++i) {
      triggers_[i] = counter(
          "stitch_sampling_decision_triggers_total", "Decisions by what triggered them",
          {{"trigger", std::string(trace::decisionTriggerName(static_cast<DecisionTrigger>(i)))}});
    }
    for (std::size_t id = 0; id < tail.policyCount(); ++id) {
      const std::string& policy = tail.policyName(static_cast<sampling::PolicyId>(id));
      constexpr std::string_view kDecisions = "stitch_sampling_decisions_total";
      constexpr std::string_view kDecisionsHelp = "Tail decisions by decision and deciding policy";
      kept_.push_back(
          counter(kDecisions, kDecisionsHelp, {{"decision", "keep"}, {"policy", policy}}));
      dropped_.push_back(
          counter(kDecisions, kDecisionsHelp, {{"decision", "drop"}, {"policy", policy}}));
    }
    traces_held_ = &registry.gauge("stitch_assembly_traces_held", "Traces pending a decision");
    bytes_held_ = &registry.gauge("stitch_assembly_bytes_held",
                                  "Bytes held by pending traces (records and bookkeeping)");
    last_.kept_by_policy.assign(kept_.size(), 0);
    last_.dropped_by_policy.assign(dropped_.size(), 0);
  }

  ~Metrics() {
    traces_held_->add(-last_traces_);
    bytes_held_->add(-last_bytes_);
  }

  void publish(const ShardStats& now, std::uint64_t bytes, std::size_t traces) {
    const auto delta = [](metrics::Counter* counter, std::uint64_t current, std::uint64_t& last) {
      if (current != last) {
        counter->add(current - last);
        last = current;
      }
    };
    delta(received_, now.records_received, last_.records_received);
    delta(buffered_, now.records_buffered, last_.records_buffered);
    delta(untraced_passed_, now.records_untraced_passed, last_.records_untraced_passed);
    delta(untraced_dropped_, now.records_untraced_dropped, last_.records_untraced_dropped);
    delta(too_large_, now.records_too_large, last_.records_too_large);
    delta(streamed_, now.records_streamed, last_.records_streamed);
    delta(traces_started_, now.traces_started, last_.traces_started);
    delta(evicted_budget_, now.evictions_budget, last_.evictions_budget);
    delta(evicted_cap_, now.evictions_trace_cap, last_.evictions_trace_cap);
    delta(late_kept_, now.late_kept, last_.late_kept);
    delta(late_dropped_, now.late_dropped, last_.late_dropped);
    delta(late_forgotten_, now.late_forgotten, last_.late_forgotten);
    delta(dropped_records_, now.dropped_trace_records, last_.dropped_trace_records);
    delta(dropped_records_passed_, now.dropped_trace_records_passed,
          last_.dropped_trace_records_passed);
    for (std::size_t i = 0; i < triggers_.size(); ++i) {
      delta(triggers_[i], now.decisions_by_trigger[i], last_.decisions_by_trigger[i]);
    }
    for (std::size_t i = 0; i < kept_.size(); ++i) {
      delta(kept_[i], now.kept_by_policy[i], last_.kept_by_policy[i]);
      delta(dropped_[i], now.dropped_by_policy[i], last_.dropped_by_policy[i]);
    }
    const auto signed_traces = static_cast<std::int64_t>(traces);
    const auto signed_bytes = static_cast<std::int64_t>(bytes);
    traces_held_->add(signed_traces - last_traces_);
    bytes_held_->add(signed_bytes - last_bytes_);
    last_traces_ = signed_traces;
    last_bytes_ = signed_bytes;
  }

private:
  metrics::Counter* received_;
  metrics::Counter* buffered_;
  metrics::Counter* untraced_passed_;
  metrics::Counter* untraced_dropped_;
  metrics::Counter* too_large_;
  metrics::Counter* streamed_;
  metrics::Counter* traces_started_;
  metrics::Counter* evicted_budget_;
  metrics::Counter* evicted_cap_;
  metrics::Counter* late_kept_;
  metrics::Counter* late_dropped_;
  metrics::Counter* late_forgotten_;
  metrics::Counter* dropped_records_;
  metrics::Counter* dropped_records_passed_;
  std::array<metrics::Counter*, trace::kDecisionTriggerCount> triggers_{};
  std::vector<metrics::Counter*> kept_;
  std::vector<metrics::Counter*> dropped_;
  metrics::Gauge* traces_held_;
  metrics::Gauge* bytes_held_;
  ShardStats last_;
  std::int64_t last_traces_ = 0;
  std::int64_t last_bytes_ = 0;
};

Shard::Shard(const ShardConfig& config,
             ShardSink& sink,
             const Clock& clock,
             const ShardContext& context)
    : config_(config),
      sink_(sink),
      clock_(clock),
      budget_(config.assembly.max_bytes / atLeastOne(context.shard_count)),
      max_trace_bytes_(std::min<std::uint64_t>(config.assembly.max_bytes_per_trace,
                                               std::numeric_limits<std::uint32_t>::max())),
      wait_ns_(toNanos(config.sampling.tail.decision_wait)),
      grace_ns_(toNanos(config.sampling.tail.root_grace)),
      tail_(
          config.sampling.tail, context.attributes, atLeastOne(context.shard_count), clock.now()) {
  if (config.sampling.decision_cache.enabled && config.sampling.tail.enabled) {
    cache_ = std::make_unique<sampling::DecisionCache>(
        atLeastOne(config.sampling.decision_cache.max_entries / atLeastOne(context.shard_count)),
        config.sampling.decision_cache.ttl);
  }
  stats_.kept_by_policy.assign(tail_.policyCount(), 0);
  stats_.dropped_by_policy.assign(tail_.policyCount(), 0);
  if (context.metrics != nullptr) {
    metrics_ = std::make_unique<Metrics>(*context.metrics, tail_);
  }
  publishSnapshot();
}

Shard::~Shard() = default;

void Shard::onRecords(record::RecordBatch&& batch) {
  if (!config_.sampling.tail.enabled) {
    stream(std::move(batch));
    return;
  }
  const TimestampNs now = clock_.now();
  // Software pipelining: a record's trace costs a few dependent cache misses (its header, the
  // index slot, the trace entry, the append position and list neighbours). Issuing them for
  // the records a few places ahead lets those misses overlap instead of queueing up.
  constexpr std::size_t kHeaderAhead = 32;
  constexpr std::size_t kSlotAhead = 24;
  constexpr std::size_t kEntryAhead = 16;
  constexpr std::size_t kAppendAhead = 8;
  const std::size_t n = batch.size();
  const auto traced = [&batch, n](std::size_t i) -> const record::Record* {
    if (i >= n || !batch[i]) {
      return nullptr;
    }
    return batch[i].get();
  };
  for (std::size_t i = 0; i < std::min(n, kHeaderAhead); ++i) {
    if (const record::Record* r = traced(i)) {
      __builtin_prefetch(r);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (const record::Record* r = traced(i + kHeaderAhead)) {
      __builtin_prefetch(r);
    }
    if (const record::Record* r = traced(i + kSlotAhead); r != nullptr && r->hasTraceContext()) {
      buffer_.prefetchSlot(r->trace_id);
    }
    if (const record::Record* r = traced(i + kEntryAhead); r != nullptr && r->hasTraceContext()) {
      if (!buffer_.prefetchEntry(r->trace_id) && cache_) {
        cache_->prefetch(r->trace_id);  // a new or late record: the cache will be asked
      }
    }
    if (const record::Record* r = traced(i + kAppendAhead); r != nullptr && r->hasTraceContext()) {
      buffer_.prefetchAppend(r->trace_id);
    }
    if (!batch[i]) {
      continue;
    }
    ++stats_.records_received;
    accept(std::move(batch[i]), now);
  }
  batch.clear();
  flush();
}

void Shard::stream(record::RecordBatch&& batch) {
  // Nothing is held, so the records are not read beyond their header: no index, no trace.
  for (record::RecordPtr& record : batch) {
    if (!record) {
      continue;
    }
    ++stats_.records_received;
    if (passPlain(record)) {
      continue;
    }
    ++stats_.records_streamed;
    streamed_.push_back(std::move(record));
  }
  batch.clear();
  flush();
}

bool Shard::passPlain(record::RecordPtr& record) {
  if ((record->flags & record::flag::kHeadDropped) != 0) {
    passDropped(std::move(record));
    return true;
  }
  if (!record->hasTraceContext()) {
    passUntraced(std::move(record));
    return true;
  }
  return false;
}

void Shard::passUntraced(record::RecordPtr&& record) {
  if (config_.sampling.untraced_logs == sampling::UntracedLogAction::kPassThrough) {
    ++stats_.records_untraced_passed;
    passed_untraced_.push_back(std::move(record));
  } else {
    ++stats_.records_untraced_dropped;
  }
}

void Shard::passDropped(record::RecordPtr&& record) {
  // Only records flagged by head sampling come here, and only with dropped_trace_logs:
  // pass_through (the ingest side drops them otherwise).
  ++stats_.dropped_trace_records_passed;
  passed_dropped_.push_back(std::move(record));
}

void Shard::accept(record::RecordPtr&& record, TimestampNs now) {
  if (passPlain(record)) {
    return;
  }
  const tracecontext::TraceId id = record->trace_id;
  PendingTrace* trace = buffer_.find(id);
  if (trace == nullptr && cache_) {
    if (const sampling::CachedDecision* decided = cache_->find(id, now)) {
      followDecision(std::move(record), decided->decision);
      return;
    }
    if (cache_->wasForgotten(id)) {
      ++stats_.late_forgotten;
    }
  }

  // Per-trace caps count what the trace itself holds; the budget below also counts what the
  // shard's structures grow by (index, block pool).
  const std::uint64_t own_cost = assembly::TraceBuffer::recordCost(*record);
  if (trace != nullptr) {
    const bool span_cap =
        record->isSpan() && trace->span_records >= config_.assembly.max_spans_per_trace;
    const bool byte_cap = trace->bytes + own_cost > max_trace_bytes_;
    if (span_cap || byte_cap) {
      followDecision(std::move(record), decide(*trace, DecisionTrigger::kTraceCap, now));
      return;
    }
    buffer_.touch(*trace, now);  // so that room is never made by evicting this trace first
  } else if (own_cost + assembly::TraceBuffer::traceCost() > max_trace_bytes_) {
    ++stats_.records_too_large;
    return;
  }
  if (trace == nullptr && buffer_.appendCost(nullptr, *record) + buffer_.createCost() > budget_) {
    ++stats_.records_too_large;
    return;
  }

  // Make room: decide the least recently active traces early until the record fits.
  // Recomputed after each eviction: a decided trace frees record blocks and may shrink the
  // index, which changes what this record would add.
  const auto needed = [&] {
    return buffer_.appendCost(trace, *record) + (trace == nullptr ? buffer_.createCost() : 0);
  };
  while (buffer_.bytesHeld() + needed() > budget_) {
    PendingTrace* victim = buffer_.leastRecentlyActive();
    if (victim == nullptr) {
      break;
    }
    if (victim == trace) {
      // Nothing else is left to make room with: this trace goes now, the record follows it.
      followDecision(std::move(record), decide(*trace, DecisionTrigger::kBudget, now));
      return;
    }
    decide(*victim, DecisionTrigger::kBudget, now);
  }
  if (buffer_.bytesHeld() + needed() > budget_) {
    ++stats_.records_too_large;  // the index alone leaves no room for it
    return;
  }
  if (trace == nullptr) {
    trace = &buffer_.create(id, now);
    ++stats_.traces_started;
  }
  buffer_.append(*trace, std::move(record), now);
  ++stats_.records_buffered;
}

void Shard::followDecision(record::RecordPtr&& record, Decision decision) {
  if (decision == Decision::kKeep) {
    ++stats_.late_kept;
    late_.push_back(std::move(record));
    if (late_.size() >= kOutputBatch) {
      sink_.onLateRecords(std::move(late_));
      late_.clear();
    }
    return;
  }
  ++stats_.late_dropped;
  if (config_.sampling.dropped_trace_logs == sampling::DroppedTraceLogAction::kPassThrough) {
    ++stats_.dropped_trace_records_passed;
    passed_dropped_.push_back(std::move(record));
  } else {
    ++stats_.dropped_trace_records;
  }
}

Decision Shard::decide(PendingTrace& pending, DecisionTrigger trigger, TimestampNs now) {
  // The trace's records were written long ago and are cold: load their headers in parallel
  // rather than one miss at a time as the passes below reach them.
  buffer_.prefetchRecords(pending);
  const tracecontext::TraceId id = pending.id;
  record::RecordBatch& records = decided_records_;
  records.clear();
  buffer_.release(pending, records);  // `pending` is gone from here on

  const sampling::TraceFacts facts = facts_builder_.build(id, records);
  const sampling::TailVerdict verdict = tail_.decide(facts, now);
  const bool early = trigger == DecisionTrigger::kBudget || trigger == DecisionTrigger::kTraceCap;
  if (cache_) {
    cache_->insert(id, sampling::CachedDecision{verdict.decision, verdict.policy, early, now});
  }
  ++stats_.decisions_by_trigger[static_cast<std::size_t>(trigger)];
  if (trigger == DecisionTrigger::kBudget) {
    ++stats_.evictions_budget;
  } else if (trigger == DecisionTrigger::kTraceCap) {
    ++stats_.evictions_trace_cap;
  }

  if (verdict.decision == Decision::kKeep) {
    ++stats_.traces_kept;
    ++stats_.kept_by_policy[verdict.policy];
    auto decided = std::make_shared<trace::DecidedTrace>();
    decided->trace_id = id;
    decided->records.reserve(records.size());
    for (record::RecordPtr& r : records) {
      decided->records.push_back(std::move(r));
    }
    decided->tree = tree_builder_.build(decided->records);
    decided->summary = tree_builder_.summarize(decided->tree, decided->records);
    decided->decision.decision = Decision::kKeep;
    decided->decision.policy = tail_.policyName(verdict.policy);
    decided->decision.decided_at_ns = now;
    decided->decision.early = early;
    decided->decision.trigger = trigger;
    sink_.onKept(std::move(decided));
  } else {
    ++stats_.traces_dropped;
    ++stats_.dropped_by_policy[verdict.policy];
    if (config_.sampling.dropped_trace_logs == sampling::DroppedTraceLogAction::kPassThrough) {
      stats_.dropped_trace_records_passed += records.size();
      for (record::RecordPtr& r : records) {
        passed_dropped_.push_back(std::move(r));
      }
    } else {
      stats_.dropped_trace_records += records.size();
    }
  }
  records.clear();  // frees whatever was not handed on
  return verdict.decision;
}

void Shard::decideDue(TimestampNs now) {
  // Due traces are decided in list order; while one is decided, the next ones' entries and
  // first record blocks are loaded (each step reads what the step before prefetched).
  const auto prefetch_ahead = [](const PendingTrace* next, const PendingTrace* after) {
    if (after != nullptr) {
      __builtin_prefetch(after);
      __builtin_prefetch(reinterpret_cast<const char*>(after) + 64);
    }
    if (next != nullptr) {
      __builtin_prefetch(next->first_block);
    }
  };
  while (PendingTrace* oldest = buffer_.leastRecentlyActive()) {
    if (oldest->last_ns + wait_ns_ > now) {
      break;
    }
    prefetch_ahead(oldest->next, oldest->next != nullptr ? oldest->next->next : nullptr);
    decide(*oldest, DecisionTrigger::kDecisionWait, now);
  }
  while (PendingTrace* rooted = buffer_.earliestRootDone()) {
    if (rooted->root_done_ns + grace_ns_ > now) {
      break;
    }
    prefetch_ahead(rooted->root_next,
                   rooted->root_next != nullptr ? rooted->root_next->root_next : nullptr);
    decide(*rooted, DecisionTrigger::kRootGrace, now);
  }
}

void Shard::onTick() {
  const TimestampNs now = clock_.now();
  decideDue(now);
  if (tail_.onTick(now)) {
    publishSnapshot();
  }
  if (cache_) {
    cache_->expire(now);
  }
  flush();
}

void Shard::drain() {
  const TimestampNs now = clock_.now();
  while (PendingTrace* oldest = buffer_.leastRecentlyActive()) {
    decide(*oldest, DecisionTrigger::kShutdown, now);
  }
  flush();
}

TimestampNs Shard::nextDeadlineNs() const noexcept {
  TimestampNs next = std::numeric_limits<TimestampNs>::max();
  if (const PendingTrace* oldest = buffer_.leastRecentlyActive()) {
    next = std::min(next, oldest->last_ns + wait_ns_);
  }
  if (const PendingTrace* rooted = buffer_.earliestRootDone()) {
    next = std::min(next, rooted->root_done_ns + grace_ns_);
  }
  next = std::min(next, tail_.nextCalculationNs());
  return next;
}

trace::DecidedTracePtr Shard::pendingTrace(const tracecontext::TraceId& id) const {
  const PendingTrace* pending = buffer_.find(id);
  if (pending == nullptr) {
    return nullptr;
  }
  auto snapshot = std::make_shared<trace::DecidedTrace>();
  snapshot->trace_id = id;
  snapshot->records.reserve(pending->record_count);
  pending->forEachRecord(
      [&snapshot](const record::Record& r) { snapshot->records.push_back(r.clone()); });
  snapshot->tree = assembly::buildTree(snapshot->records);
  snapshot->summary = assembly::summarize(snapshot->tree, snapshot->records);
  snapshot->decision.decision = Decision::kPending;
  snapshot->decision.trigger = DecisionTrigger::kNone;
  return snapshot;
}

std::optional<trace::DecisionInfo> Shard::cachedDecision(const tracecontext::TraceId& id) const {
  if (!cache_) {
    return std::nullopt;
  }
  const sampling::CachedDecision* cached = cache_->find(id, clock_.now());
  if (cached == nullptr) {
    return std::nullopt;
  }
  trace::DecisionInfo info;
  info.decision = cached->decision;
  info.policy = tail_.policyName(cached->policy);
  info.decided_at_ns = cached->decided_at_ns;
  info.early = cached->early;
  return info;
}

sampling::AdaptiveSnapshotPtr Shard::adaptiveSnapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

void Shard::publishSnapshot() {
  sampling::AdaptiveSnapshotPtr snapshot = tail_.adaptiveSnapshot();
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshot_ = std::move(snapshot);
}

void Shard::flush() {
  if (!streamed_.empty()) {
    sink_.onStreamed(std::move(streamed_));
    streamed_.clear();
  }
  if (!late_.empty()) {
    sink_.onLateRecords(std::move(late_));
    late_.clear();
  }
  if (!passed_untraced_.empty()) {
    sink_.onPassThrough(std::move(passed_untraced_), PassThroughReason::kUntraced);
    passed_untraced_.clear();
  }
  if (!passed_dropped_.empty()) {
    sink_.onPassThrough(std::move(passed_dropped_), PassThroughReason::kDroppedTrace);
    passed_dropped_.clear();
  }
  if (metrics_) {
    metrics_->publish(stats_, buffer_.bytesHeld(), buffer_.tracesHeld());
  }
}

}  // namespace stitch::pipeline
