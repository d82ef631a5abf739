#include "daemon/pipeline/pipeline.h"

#include <algorithm>
#include <array>
#include <span>
#include <thread>

#include "core/export/export_item.h"
#include "core/pipeline/routing.h"
#include "daemon/export/export_fanout.h"
#include "daemon/pipeline/shard_runner.h"
#include "daemon/store/store_writer.h"

namespace stitch::daemon {
namespace {

// How long a query waits for a busy shard thread before answering without it.
constexpr std::chrono::milliseconds kLookupTimeout{250};

// Late and streamed records travel to the store as a DecidedTrace per trace id (`policy`
// names why they are kept), which it merges into the stored trace. The exporters share the
// originals; the store gets clones. Grouped by sorting, so a batch of many traces costs
// n log n, not n per trace.
void submitParts(StoreWriter& store, const record::RecordBatch& records, std::string_view policy) {
  std::vector<std::uint32_t> order;
  order.reserve(records.size());
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    if (records[i] && records[i]->hasTraceContext()) {
      order.push_back(i);
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return records[a]->trace_id < records[b]->trace_id;
  });
  std::size_t i = 0;
  while (i < order.size()) {
    auto part = std::make_shared<trace::DecidedTrace>();
    part->trace_id = records[order[i]]->trace_id;
    for (; i < order.size() && records[order[i]]->trace_id == part->trace_id; ++i) {
      part->records.push_back(records[order[i]]->clone());
    }
    part->summary.record_count = static_cast<std::uint32_t>(part->records.size());
    part->decision.decision = trace::Decision::kKeep;
    part->decision.policy = std::string(policy);
    store.submit(std::move(part));
  }
}

}  // namespace

TraceOutput::TraceOutput(ExportFanout* fanout, StoreWriter* store, metrics::Registry& metrics)
    : fanout_(fanout),
      store_(store),
      unexported_untraced_(metrics.counter("stitch_pipeline_unexported_records_total",
                                           "Records passed through with no exporter to take them",
                                           {{"reason", "untraced"}})),
      unexported_dropped_trace_(
          metrics.counter("stitch_pipeline_unexported_records_total",
                          "Records passed through with no exporter to take them",
                          {{"reason", "dropped_trace"}})) {}

void TraceOutput::onKept(trace::DecidedTracePtr trace) {
  if (store_ != nullptr) {
    store_->submit(trace);
  }
  if (fanout_ != nullptr) {
    fanout_->push(exporting::ExportItem::trace(std::move(trace)));
  }
}

void TraceOutput::onLateRecords(record::RecordBatch&& records) {
  sendParts(std::move(records), "late", exporting::ExportItem::lateRecords);
}

void TraceOutput::onStreamed(record::RecordBatch&& records) {
  sendParts(std::move(records), "head", exporting::ExportItem::streamed);
}

void TraceOutput::sendParts(record::RecordBatch&& records,
                            std::string_view policy,
                            exporting::ExportItem (*item)(record::RecordBatch&&)) {
  if (records.empty()) {
    return;
  }
  if (store_ != nullptr) {
    submitParts(*store_, records, policy);
  }
  if (fanout_ != nullptr) {
    fanout_->push(item(std::move(records)));
  }
}

void TraceOutput::onPassThrough(record::RecordBatch&& records, pipeline::PassThroughReason reason) {
  if (records.empty()) {
    return;
  }
  if (fanout_ == nullptr) {
    (reason == pipeline::PassThroughReason::kUntraced ? unexported_untraced_
                                                      : unexported_dropped_trace_)
        .add(records.size());
    return;
  }
  fanout_->push(exporting::ExportItem::untracedLogs(std::move(records)));
}

Pipeline::Pipeline(const pipeline::PipelineConfig& config,
                   const pipeline::ShardConfig& shard_config,
                   pipeline::ShardSink& output,
                   const sampling::AttributeLookup* attributes,
                   metrics::Registry& metrics,
                   const Clock& clock)
    : head_(shard_config.sampling.head),
      head_metrics_(metrics),
      pass_head_dropped_(shard_config.sampling.dropped_trace_logs ==
                         sampling::DroppedTraceLogAction::kPassThrough),
      metrics_(metrics) {
  const std::uint32_t count = pipeline::shardCount(config, std::thread::hardware_concurrency());
  pipeline::ShardContext context;
  context.shard_count = count;
  context.attributes = attributes;
  context.metrics = &metrics;
  shards_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<ShardRunner>(i, shard_config, output, clock, context,
                                                    config.queue_records, config.queue_bytes));
  }
  metrics.gaugeCallback(
      "stitch_pipeline_shards", "Shard threads (a trace id always maps to the same one)", {},
      [n = static_cast<double>(count)] { return n; }, this);
  metrics.gaugeCallback(
      "stitch_queue_depth", "Records waiting in a queue", {{"queue", "shards"}},
      [this] { return static_cast<double>(queuedRecords()); }, this);
  metrics.gaugeCallback(
      "stitch_queue_bytes", "Bytes of the records waiting in a queue", {{"queue", "shards"}},
      [this] { return static_cast<double>(queuedBytes()); }, this);
  metrics.gaugeCallback(
      "stitch_queue_capacity", "Records a queue holds before it refuses more (backpressure)",
      {{"queue", "shards"}}, [n = static_cast<double>(config.queue_records * count)] { return n; },
      this);
  metrics.gaugeCallback(
      "stitch_bytes_held",
      "Bytes of records held in memory: queued for the shards and buffered by them", {},
      [this] { return static_cast<double>(queuedBytes() + bytesHeld()); }, this);
}

Pipeline::~Pipeline() {
  metrics_.removeCallbacks(this);
  closed_.store(true);
  for (auto& shard : shards_) {
    shard->requestStop();
  }
}

void Pipeline::start() {
  for (auto& shard : shards_) {
    shard->start();
  }
}

bool Pipeline::stop(std::chrono::steady_clock::time_point deadline) {
  closed_.store(true);
  for (auto& shard : shards_) {
    shard->requestStop();
  }
  bool all = true;
  for (auto& shard : shards_) {
    all = shard->join(deadline) && all;
  }
  return all;
}

ingest::PushResult Pipeline::tryPush(record::RecordBatch& batch) noexcept {
  if (closed_.load(std::memory_order_relaxed)) {
    return ingest::PushResult::kClosed;
  }
  // Head sampling, once per record: a batch refused for room comes back, and its records must
  // not be counted twice.
  sampling::HeadCounts counts;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    record::RecordPtr& r = batch[i];
    if ((r->flags & (record::flag::kHeadSampled | record::flag::kHeadDropped)) == 0) {
      const sampling::HeadVerdict verdict = head_.decide(*r);
      ++counts[verdict];
      if (sampling::isDropped(verdict)) {
        if (!pass_head_dropped_) {
          r.reset();
          continue;
        }
        // The shard passes it through as a log of a dropped trace.
        r->flags |= record::flag::kHeadDropped;
      } else {
        r->flags |= record::flag::kHeadSampled;
      }
    }
    if (kept != i) {
      batch[kept] = std::move(r);
    }
    ++kept;
  }
  batch.resize(kept);
  head_metrics_.add(counts);
  if (batch.empty()) {
    return ingest::PushResult::kAccepted;
  }

  const std::size_t n = shards_.size();
  if (n == 1) {
    return shards_[0]->queue().tryPush(batch);
  }
  // Route: traced records by trace id, untraced ones to one shard per batch (round robin).
  // All or nothing: every target queue must have room before any record moves.
  thread_local std::vector<record::RecordBatch> routed;
  thread_local std::vector<std::uint32_t> destination;
  routed.resize(n);
  destination.resize(batch.size());
  const std::size_t untraced_shard = untraced_next_.fetch_add(1, std::memory_order_relaxed) % n;
  std::array<bool, 256> targets{};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const record::Record& r = *batch[i];
    const std::size_t s = r.hasTraceContext() ? pipeline::shardFor(r.trace_id, n) : untraced_shard;
    destination[i] = static_cast<std::uint32_t>(s);
    targets[s] = true;
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (targets[s] && !shards_[s]->queue().hasRoom()) {
      return ingest::PushResult::kFull;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    routed[destination[i]].push_back(std::move(batch[i]));
  }
  batch.clear();
  ingest::PushResult result = ingest::PushResult::kAccepted;
  for (std::size_t s = 0; s < n; ++s) {
    if (routed[s].empty()) {
      continue;
    }
    if (shards_[s]->queue().pushAlways(routed[s]) != ingest::PushResult::kAccepted) {
      // Closed meanwhile (stopping): hand back what was not taken.
      for (auto& r : routed[s]) {
        batch.push_back(std::move(r));
      }
      routed[s].clear();
      result = ingest::PushResult::kClosed;
    }
  }
  return result;
}

trace::DecidedTracePtr Pipeline::pendingTrace(const tracecontext::TraceId& id) {
  return shards_[pipeline::shardFor(id, shards_.size())]->pendingTrace(id, kLookupTimeout);
}

std::optional<trace::DecisionInfo> Pipeline::decisionFor(const tracecontext::TraceId& id) {
  return shards_[pipeline::shardFor(id, shards_.size())]->cachedDecision(id, kLookupTimeout);
}

sampling::AdaptiveSnapshotPtr Pipeline::adaptiveSnapshot() const {
  std::vector<sampling::AdaptiveSnapshotPtr> snapshots;
  snapshots.reserve(shards_.size());
  for (const auto& shard : shards_) {
    snapshots.push_back(shard->adaptiveSnapshot());
  }
  return std::make_shared<const sampling::AdaptiveSnapshot>(
      sampling::mergeAdaptiveSnapshots(snapshots));
}

std::uint64_t Pipeline::queuedRecords() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    total += shard->queue().records();
  }
  return total;
}

std::uint64_t Pipeline::queuedBytes() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    total += shard->queue().bytes();
  }
  return total;
}

std::uint64_t Pipeline::bytesHeld() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    total += shard->bytesHeld();
  }
  return total;
}

std::uint64_t Pipeline::recordsHeld() const noexcept {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) {
    total += shard->recordsHeld();
  }
  return total;
}

}  // namespace stitch::daemon
