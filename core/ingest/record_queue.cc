#include "core/ingest/record_queue.h"

#include <algorithm>

namespace stitch::ingest {
namespace {

// A busy consumer is woken early once this many records wait (~1.5 ms of traffic at 1.5M
// records/s); otherwise its own short timeout wakes it.
constexpr std::uint64_t kWakeRecords = 2048;

}  // namespace

RecordQueue::RecordQueue(std::uint64_t max_records, std::uint64_t max_bytes)
    : max_records_(max_records), max_bytes_(max_bytes) {}

PushResult RecordQueue::tryPush(record::RecordBatch& batch) noexcept {
  return push(batch, true);
}

PushResult RecordQueue::pushAlways(record::RecordBatch& batch) noexcept {
  return push(batch, false);
}

bool RecordQueue::hasRoom() const noexcept {
  return records_.load(std::memory_order_relaxed) < max_records_.load(std::memory_order_relaxed) &&
         bytes_.load(std::memory_order_relaxed) < max_bytes_.load(std::memory_order_relaxed);
}

void RecordQueue::interrupt() noexcept {
  {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  not_empty_.notify_all();
}

PushResult RecordQueue::push(record::RecordBatch& batch, bool respect_limits) noexcept {
  if (batch.empty()) {
    return PushResult::kAccepted;
  }
  // Summed outside the lock: the records were just built, so this reads warm cache lines.
  std::uint64_t batch_bytes = 0;
  for (const auto& r : batch) {
    batch_bytes += r->allocatedBytes();
  }
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      return PushResult::kClosed;
    }
    const std::uint64_t records = records_.load(std::memory_order_relaxed);
    const std::uint64_t bytes = bytes_.load(std::memory_order_relaxed);
    if (respect_limits && !entries_.empty() &&
        (records >= max_records_.load(std::memory_order_relaxed) ||
         bytes >= max_bytes_.load(std::memory_order_relaxed))) {
      full_count_.fetch_add(1, std::memory_order_relaxed);
      return PushResult::kFull;
    }
    const std::uint64_t queued = records + batch.size();
    records_.store(queued, std::memory_order_relaxed);
    bytes_.store(bytes + batch_bytes, std::memory_order_relaxed);
    entries_.push_back(Entry{std::move(batch), batch_bytes});
    wake = consumer_waiting_ && (consumer_wake_ == Wake::kOnAnyPush || queued >= wakeRecords());
  }
  batch.clear();  // a moved-from vector is valid but unspecified: make "left empty" true
  if (wake) {
    // Only when the consumer sleeps: a busy consumer finds the batch on its next pop.
    not_empty_.notify_one();
  }
  return PushResult::kAccepted;
}

std::uint64_t RecordQueue::wakeRecords() const noexcept {
  return std::max<std::uint64_t>(
      1, std::min(kWakeRecords, max_records_.load(std::memory_order_relaxed) / 2));
}

bool RecordQueue::pop(record::RecordBatch& out, std::chrono::nanoseconds timeout, Wake wake) {
  Entry entry;
  {
    std::unique_lock lock(mutex_);
    if (entries_.empty() && !closed_) {
      consumer_waiting_ = true;
      consumer_wake_ = wake;
      not_empty_.wait_for(lock, timeout,
                          [this] { return !entries_.empty() || closed_ || interrupted_; });
      consumer_waiting_ = false;
    }
    interrupted_ = false;
    if (entries_.empty()) {
      return false;
    }
    entry = std::move(entries_.front());
    entries_.pop_front();
    records_.store(records_.load(std::memory_order_relaxed) - entry.batch.size(),
                   std::memory_order_relaxed);
    bytes_.store(bytes_.load(std::memory_order_relaxed) - entry.bytes, std::memory_order_relaxed);
  }
  out = std::move(entry.batch);
  return true;
}

void RecordQueue::close() noexcept {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_empty_.notify_all();
}

bool RecordQueue::closed() const noexcept {
  std::lock_guard lock(mutex_);
  return closed_;
}

void RecordQueue::setLimits(std::uint64_t max_records, std::uint64_t max_bytes) noexcept {
  max_records_.store(max_records, std::memory_order_relaxed);
  max_bytes_.store(max_bytes, std::memory_order_relaxed);
}

}  // namespace stitch::ingest
