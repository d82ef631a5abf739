#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/common/clock.h"
#include "core/export/export_item.h"
#include "core/ingest/record_sink.h"
#include "core/metrics/metrics.h"
#include "core/pipeline/pipeline_config.h"
#include "core/pipeline/shard.h"
#include "core/query/trace_queries.h"
#include "core/sampling/attribute_lookup.h"
#include "core/sampling/head_sampler.h"

namespace stitch::daemon {

class ExportFanout;
class ShardRunner;
class StoreWriter;

// Where decided traces and plain logs leave the shards: every exporter, and the store.
// Threading: called on the shard threads, concurrently; the fanout and the store writer are
// thread-safe. Pushing may block (an exporter with full_policy block, the store with
// full_policy block): that is how backpressure reaches the shards, then ingest.
class TraceOutput final : public pipeline::ShardSink {
public:
  TraceOutput(ExportFanout* fanout, StoreWriter* store, metrics::Registry& metrics);
  void onKept(trace::DecidedTracePtr trace) override;
  void onLateRecords(record::RecordBatch&& records) override;
  void onStreamed(record::RecordBatch&& records) override;
  void onPassThrough(record::RecordBatch&& records, pipeline::PassThroughReason reason) override;

private:
  // Records of kept traces, not whole: to the store as one part per trace (kept by `policy`),
  // to every exporter as one item made by `item`.
  void sendParts(record::RecordBatch&& records,
                 std::string_view policy,
                 exporting::ExportItem (*item)(record::RecordBatch&&));

  ExportFanout* fanout_;  // may be null: no exporters
  StoreWriter* store_;    // may be null: no store
  // Records with nowhere to go (no exporters configured), by reason.
  metrics::Counter& unexported_untraced_;
  metrics::Counter& unexported_dropped_trace_;
};

// The records' way from the ingest workers to the shards:
//
//   ingest worker --tryPush--> head sampling --route by trace id--> shard queue (bounded)
//                                                                      |
//   shard thread: assemble, tail + adaptive sampling, decision cache --> TraceOutput
//
// tryPush takes a batch all or nothing (so an HTTP request answered 503 was taken by no shard
// and may be sent again without duplicates): it checks every target queue for room first.
// Untraced records go to the shards too (round robin), which pass them through or drop them
// by `sampling.untraced_logs`, so that they feel the same backpressure as traces.
//
// Threading: tryPush from any thread; the lookups from any thread but the shard threads;
// start/stop from the main thread.
class Pipeline final : public ingest::RecordSink,
                       public query::PendingLookup,
                       public query::DecisionLookup {
public:
  Pipeline(const pipeline::PipelineConfig& config,
           const pipeline::ShardConfig& shard_config,
           pipeline::ShardSink& output,
           const sampling::AttributeLookup* attributes,
           metrics::Registry& metrics,
           const Clock& clock);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();
  // Closes the shards' queues (tryPush answers kClosed from now on); each shard takes what is
  // queued and decides every pending trace. Waits until `deadline`; true when all finished.
  bool stop(std::chrono::steady_clock::time_point deadline);

  ingest::PushResult tryPush(record::RecordBatch& batch) noexcept override;

  trace::DecidedTracePtr pendingTrace(const tracecontext::TraceId& id) override;
  std::optional<trace::DecisionInfo> decisionFor(const tracecontext::TraceId& id) override;

  // Every shard's adaptive keys, merged. Any thread.
  sampling::AdaptiveSnapshotPtr adaptiveSnapshot() const;

  // Records waiting in the shard queues and bytes held by the shards (metrics).
  std::uint64_t queuedRecords() const noexcept;
  std::uint64_t queuedBytes() const noexcept;
  std::uint64_t bytesHeld() const noexcept;
  std::uint64_t recordsHeld() const noexcept;
  std::size_t shardCount() const noexcept { return shards_.size(); }

private:
  sampling::HeadSampler head_;
  sampling::HeadSamplerMetrics head_metrics_;
  // sampling.dropped_trace_logs: pass_through: records head sampling drops go on, flagged.
  const bool pass_head_dropped_;
  metrics::Registry& metrics_;
  std::vector<std::unique_ptr<ShardRunner>> shards_;
  std::atomic<std::uint64_t> untraced_next_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace stitch::daemon
