#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "core/common/clock.h"
#include "core/metrics/metrics.h"
#include "core/store/trace_cache.h"
#include "core/store/trace_store.h"

namespace stitch::daemon {

// Feeds kept traces to the embedded store. submit() is cheap and never blocks: the trace goes
// to the cache of recently kept traces (so that the query API finds it at once) and to a
// bounded queue. Two threads drain the queue:
//
//   encoder  takes up to batch_size traces (or what came within flush_interval), serializes
//            and compresses them (store::BatchEncoder): most of a write's CPU
//   writer   writes each prepared batch in one SQLite transaction, retries a busy or full
//            database with backoff, and enforces retention every retention_interval
//
// Late records kept after their trace (a DecidedTrace with the same id) are submitted the same
// way; the store merges them. Every trace that does not reach the store is counted in
// stitch_store_dropped_total{reason}.
//
// Metrics: stitch_store_traces_written_total, stitch_store_records_written_total,
// stitch_store_merged_total, stitch_store_write_seconds_sum/_count (time in transactions),
// stitch_store_bytes, stitch_store_traces, stitch_store_queue_depth,
// stitch_store_retention_deleted_total{reason="age"|"size"},
// stitch_store_dropped_total{reason="queue_full"|"write_error"|"stopped"},
// stitch_store_cache_bytes, stitch_store_cache_traces.
//
// Threading: submit() from any thread; start()/stop() from the main thread.
class StoreWriter {
public:
  StoreWriter(const store::StoreConfig& config,
              std::unique_ptr<store::TraceStore> store,
              store::TraceCache* cache,
              metrics::Registry& metrics,
              const Clock& clock);
  ~StoreWriter();  // stop()
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void start();
  // Writes what is queued, then joins the threads. Safe without start() and more than once;
  // traces submitted but never written (no start()) are counted as dropped, reason "stopped".
  void stop();

  // Queues a kept trace (or late records of one). When the queue is full it waits for room
  // (full_policy block, once started) or drops the trace (full_policy drop). False when it was
  // dropped: queue full (drop), or the writer stopped. The cache gets it either way.
  bool submit(trace::DecidedTracePtr trace);

  // Blocks until every trace submitted before the call is written (or dropped). For tests and
  // for a clean shutdown; wakes the threads instead of waiting for flush_interval.
  void flush();
  // Runs retention now on the writer thread and waits for it. For tests (with a ManualClock).
  void enforceRetention();

  std::size_t queueDepth() const;

private:
  struct Prepared {
    store::PreparedBatch batch;
    std::uint64_t last_seq = 0;  // the submit sequence number of its last trace
    std::size_t traces = 0;
  };

  void encodeLoop();
  void writeLoop();
  void write(Prepared& prepared);
  void runRetention();
  void markDone(std::uint64_t seq);

  const store::StoreConfig config_;
  std::unique_ptr<store::TraceStore> store_;  // writer thread only
  store::TraceCache* cache_;
  metrics::Registry& metrics_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  std::condition_variable queue_changed_;  // traces queued, flush asked, or stopping
  std::condition_variable prepared_changed_;
  std::condition_variable space_changed_;  // the queue has room again (full_policy block)
  std::condition_variable done_changed_;
  std::deque<trace::DecidedTracePtr> queue_;
  std::deque<Prepared> prepared_;  // at most kPreparedDepth
  std::uint64_t submitted_seq_ = 0;
  std::uint64_t dequeued_seq_ = 0;
  std::uint64_t done_seq_ = 0;
  bool flush_requested_ = false;
  bool retention_requested_ = false;
  std::uint64_t retention_runs_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  bool encoder_done_ = false;

  std::thread encoder_;
  std::thread writer_;
  TimestampNs next_retention_ns_ = 0;  // writer thread only

  metrics::Counter& written_;
  metrics::Counter& records_;
  metrics::Counter& merged_;
  metrics::Counter& batches_;
  std::atomic<std::uint64_t> write_nanos_{0};
  metrics::Counter& deleted_age_;
  metrics::Counter& deleted_size_;
  metrics::Counter& dropped_queue_full_;
  metrics::Counter& dropped_write_error_;
  metrics::Counter& dropped_stopped_;
  metrics::Gauge& bytes_;
  metrics::Gauge& traces_;
};

}  // namespace stitch::daemon
