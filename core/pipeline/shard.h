#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/assembly/assembly_config.h"
#include "core/assembly/trace_buffer.h"
#include "core/assembly/tree.h"
#include "core/common/clock.h"
#include "core/common/config_problem.h"
#include "core/metrics/metrics.h"
#include "core/record/record.h"
#include "core/sampling/adaptive.h"
#include "core/sampling/attribute_lookup.h"
#include "core/sampling/decision_cache.h"
#include "core/sampling/sampling_config.h"
#include "core/sampling/tail_sampler.h"
#include "core/sampling/trace_facts.h"
#include "core/trace/trace.h"

namespace stitch::pipeline {

// What one shard needs from stitch.yaml: `assembly:` and `sampling:` (the head part of
// `sampling:` is applied by the ingest workers, not here).
struct ShardConfig {
  assembly::AssemblyConfig assembly;
  sampling::SamplingConfig sampling;

  // Every problem of both sections, all the way into each tail policy, with paths prefixed
  // by "assembly." / "sampling.".
  ConfigProblems validate() const;
  friend bool operator==(const ShardConfig&, const ShardConfig&) = default;
};

// How a shard fits into the daemon (not from YAML).
struct ShardContext {
  // Number of shards: each gets 1/N of the byte budget, the decision cache, rate limits,
  // composite budgets and adaptive targets (trace ids spread evenly over shards).
  std::size_t shard_count = 1;
  // For attribute policies (may be null: they then see no attributes). Must outlive the shard.
  const sampling::AttributeLookup* attributes = nullptr;
  // Where the shard's counters go (may be null). Every shard adds to the same series, so the
  // daemon sees totals. Must outlive the shard.
  metrics::Registry* metrics = nullptr;
};

// Why records leave a shard without a trace.
enum class PassThroughReason : std::uint8_t {
  kUntraced = 0,  // no trace context (sampling.untraced_logs: pass_through)
  kDroppedTrace,  // their trace was dropped (sampling.dropped_trace_logs: pass_through)
};

// Where a shard's output goes. Called on the shard thread, synchronously: implementations
// hand things on (bounded queues, counting what they must drop) and return quickly.
class ShardSink {
public:
  virtual ~ShardSink() = default;
  // A kept trace, decided once: its records (arrival order), tree, summary and decision.
  virtual void onKept(trace::DecidedTracePtr trace) = 0;
  // Records that arrived after their trace was kept (or after a cap decided it early); each
  // carries its trace id. Batched per onRecords() call.
  virtual void onLateRecords(record::RecordBatch&& records) = 0;
  // With tail sampling off (sampling.tail.enabled: false): records of traces head sampling
  // kept, as they arrive; each carries its trace id. Batched per onRecords() call.
  virtual void onStreamed(record::RecordBatch&& records) = 0;
  // Records that leave as plain logs. Batched per call.
  virtual void onPassThrough(record::RecordBatch&& records, PassThroughReason reason) = 0;
};

// Plain counters of one shard (read on the shard thread; exported through ShardContext::metrics).
struct ShardStats {
  std::uint64_t records_received = 0;
  std::uint64_t records_buffered = 0;
  std::uint64_t records_untraced_passed = 0;
  std::uint64_t records_untraced_dropped = 0;
  std::uint64_t records_too_large = 0;  // a record bigger than a trace or the shard may hold
  std::uint64_t records_streamed = 0;   // traced records sent on at once (tail sampling off)
  std::uint64_t traces_started = 0;
  std::uint64_t traces_kept = 0;
  std::uint64_t traces_dropped = 0;
  // Late records: of a kept trace (sent on), of a dropped trace (dropped or passed through),
  // and records whose trace's decision the cache had forgotten (they start a new trace).
  std::uint64_t late_kept = 0;
  std::uint64_t late_dropped = 0;
  std::uint64_t late_forgotten = 0;
  std::uint64_t dropped_trace_records = 0;         // discarded with their dropped trace
  std::uint64_t dropped_trace_records_passed = 0;  // passed through instead
  std::uint64_t evictions_budget = 0;              // traces decided early for room
  std::uint64_t evictions_trace_cap = 0;           // traces decided early at a per-trace cap
  std::array<std::uint64_t, trace::kDecisionTriggerCount> decisions_by_trigger{};
  std::vector<std::uint64_t> kept_by_policy;     // by sampling::PolicyId
  std::vector<std::uint64_t> dropped_by_policy;  // by sampling::PolicyId
};

// One shard: assembles the traces routed to it (pipeline::shardFor), decides each once with
// the tail policies (adaptive included) when its time comes, remembers decisions for late
// records, and keeps everything it holds inside its byte budget.
//
// Timing (all by the injected clock, at arrival): a trace is decided decision_wait after its
// last record, or root_grace after its first root span record if that is sooner (onTick).
// Memory: before a record is buffered, the least recently active traces are decided early
// (DecisionInfo::early, trigger budget) until it fits; bytesHeld() never exceeds the budget.
// A trace reaching max_spans_per_trace or max_bytes_per_trace is decided at once (trigger
// trace_cap) and its further records follow that decision.
//
// With tail sampling off (sampling.tail.enabled: false) a shard holds nothing: traced records
// go to onStreamed() and untraced ones by sampling.untraced_logs, within the onRecords() call.
//
// Threading: a Shard is single-threaded; the shard thread that owns it makes every call,
// except adaptiveSnapshot(), which any thread may call.
class Shard {
public:
  Shard(const ShardConfig& config,
        ShardSink& sink,
        const Clock& clock,
        const ShardContext& context = {});
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Takes a batch of records (any traces routed to this shard, untraced ones too). Records
  // flagged record::flag::kHeadDropped are passed through as logs of a dropped trace.
  void onRecords(record::RecordBatch&& batch);
  // Decides the traces whose time came, runs due adaptive calculations, expires decisions.
  void onTick();
  // Decides every pending trace now (trigger shutdown). Safe to call repeatedly.
  void drain();

  // When onTick() next has work (a deadline or an adaptive interval); INT64_MAX if none.
  TimestampNs nextDeadlineNs() const noexcept;

  // A pending (undecided) trace as a snapshot: cloned records, tree, summary, and a decision
  // of kPending. Null when the trace is not pending here. Allocates (clones records).
  trace::DecidedTracePtr pendingTrace(const tracecontext::TraceId& id) const;
  // The remembered decision of a decided trace, if the cache still has it.
  std::optional<trace::DecisionInfo> cachedDecision(const tracecontext::TraceId& id) const;

  // The adaptive policies' keys as of the last calculation. Any thread.
  sampling::AdaptiveSnapshotPtr adaptiveSnapshot() const;

  std::uint64_t bytesHeld() const noexcept { return buffer_.bytesHeld(); }
  std::size_t tracesHeld() const noexcept { return buffer_.tracesHeld(); }
  std::uint64_t recordsHeld() const noexcept { return buffer_.recordsHeld(); }
  // Raw bytes (original lines) of the records held.
  std::uint64_t rawBytesHeld() const noexcept { return buffer_.rawBytesHeld(); }
  std::uint64_t budgetBytes() const noexcept { return budget_; }
  // The decision cache's fixed memory (outside the budget: bounded by its own max_entries).
  std::uint64_t decisionCacheBytes() const noexcept { return cache_ ? cache_->memoryBytes() : 0; }
  const ShardStats& stats() const noexcept { return stats_; }
  const std::string& policyName(sampling::PolicyId id) const noexcept {
    return tail_.policyName(id);
  }

private:
  class Metrics;

  trace::Decision decide(assembly::PendingTrace& pending,
                         trace::DecisionTrigger trigger,
                         TimestampNs now);
  void followDecision(record::RecordPtr&& record, trace::Decision decision);
  void accept(record::RecordPtr&& record, TimestampNs now);
  void stream(record::RecordBatch&& batch);  // tail sampling off
  // Records that leave as plain logs (head sampling dropped their trace, or they carry no
  // trace context): true when `record` was taken.
  bool passPlain(record::RecordPtr& record);
  void passUntraced(record::RecordPtr&& record);
  void passDropped(record::RecordPtr&& record);  // flagged kHeadDropped
  void decideDue(TimestampNs now);
  void publishSnapshot();
  void flush();

  const ShardConfig config_;
  ShardSink& sink_;
  const Clock& clock_;
  const std::uint64_t budget_;
  const std::uint64_t max_trace_bytes_;
  const TimestampNs wait_ns_;
  const TimestampNs grace_ns_;

  assembly::TraceBuffer buffer_;
  sampling::TailSampler tail_;
  std::unique_ptr<sampling::DecisionCache> cache_;  // null when disabled
  sampling::TraceFactsBuilder facts_builder_;
  assembly::TreeBuilder tree_builder_;

  record::RecordBatch decided_records_;  // scratch of decide(), reused
  record::RecordBatch late_;
  record::RecordBatch streamed_;
  record::RecordBatch passed_untraced_;
  record::RecordBatch passed_dropped_;
  ShardStats stats_;
  std::unique_ptr<Metrics> metrics_;

  mutable std::mutex snapshot_mutex_;
  sampling::AdaptiveSnapshotPtr snapshot_;
};

}  // namespace stitch::pipeline
