#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

#include "core/ingest/record_sink.h"

namespace stitch::ingest {

// A bounded multi-producer, single-consumer queue of record batches, bounded both in records
// and in bytes (Record::allocatedBytes()). A batch is admitted while the queue is below both
// limits, or when the queue is empty (so a batch larger than the limits still passes): the
// queue holds at most the limits plus one batch.
// Threading: tryPush from any thread; pop from the one consumer thread; the rest anywhere.
class RecordQueue final : public RecordSink {
public:
  RecordQueue(std::uint64_t max_records, std::uint64_t max_bytes);

  PushResult tryPush(record::RecordBatch& batch) noexcept override;

  // Whether tryPush would take a batch now (a snapshot: another producer may fill the queue
  // first). With pushAlways, lets a router take a batch for several queues all or nothing.
  bool hasRoom() const noexcept;
  // Takes the batch whatever the limits (only kClosed refuses it). The queue may then hold
  // more than its limits by what the producers that checked hasRoom() at once pushed: bounded
  // by producers x batch size.
  PushResult pushAlways(record::RecordBatch& batch) noexcept;

  // Makes a consumer waiting in pop() return (false, if nothing is queued) now, so that it can
  // look at other work (a query for its thread). Any thread.
  void interrupt() noexcept;

  // How the consumer waits in pop(): woken by any push (it was idle: latency matters), or only
  // once wakeRecords() records are queued (it is busy: it will look again when its timeout
  // ends, and fewer wakeups leave more CPU for the work).
  enum class Wake : std::uint8_t { kOnAnyPush, kOnThreshold };

  // Moves the oldest batch into `out` (its previous content is destroyed), waiting up to
  // `timeout` for one. False when none came in time, or when the queue is closed and empty.
  bool pop(record::RecordBatch& out,
           std::chrono::nanoseconds timeout,
           Wake wake = Wake::kOnAnyPush);
  // The queue depth that wakes a consumer waiting with Wake::kOnThreshold: a fixed number of
  // records, at most half the capacity (so a full queue always wakes it).
  std::uint64_t wakeRecords() const noexcept;

  // From now on tryPush answers kClosed; pop still hands out what is queued, then false.
  // Must be safe to call twice and without a consumer.
  void close() noexcept;
  bool closed() const noexcept;

  // New limits apply to the next push (a reload); queued batches stay.
  void setLimits(std::uint64_t max_records, std::uint64_t max_bytes) noexcept;

  // Snapshots for metrics; any thread, no lock.
  std::uint64_t records() const noexcept { return records_.load(std::memory_order_relaxed); }
  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t maxRecords() const noexcept { return max_records_.load(std::memory_order_relaxed); }
  std::uint64_t maxBytes() const noexcept { return max_bytes_.load(std::memory_order_relaxed); }
  // Pushes refused with kFull so far.
  std::uint64_t fullCount() const noexcept { return full_count_.load(std::memory_order_relaxed); }

private:
  PushResult push(record::RecordBatch& batch, bool respect_limits) noexcept;

  struct Entry {
    record::RecordBatch batch;
    std::uint64_t bytes = 0;
  };

  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::deque<Entry> entries_;              // guarded by mutex_
  bool closed_ = false;                    // guarded by mutex_
  bool consumer_waiting_ = false;          // guarded by mutex_
  bool interrupted_ = false;               // guarded by mutex_
  Wake consumer_wake_ = Wake::kOnAnyPush;  // guarded by mutex_
  // Written under mutex_, read without it by the metrics.
  std::atomic<std::uint64_t> records_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> max_records_;
  std::atomic<std::uint64_t> max_bytes_;
  std::atomic<std::uint64_t> full_count_{0};
};

}  // namespace stitch::ingest
