#include "daemon/store/store_writer.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

constexpr std::size_t kPreparedDepth = 2;  // batches compressed ahead of the SQLite writes
constexpr int kWriteAttempts = 4;          // a busy or full database: then the batch is dropped
constexpr std::chrono::milliseconds kFirstBackoff{100};

}  // namespace

StoreWriter::StoreWriter(const store::StoreConfig& config,
                         std::unique_ptr<store::TraceStore> store,
                         store::TraceCache* cache,
                         metrics::Registry& metrics,
                         const Clock& clock)
    : config_(config),
      store_(std::move(store)),
      cache_(cache),
      metrics_(metrics),
      clock_(clock),
      written_(metrics.counter("stitch_store_traces_written_total",
                               "Traces written to the embedded store (new traces, not merges)")),
      records_(metrics.counter("stitch_store_records_written_total",
                               "Records written to the embedded store")),
      merged_(metrics.counter("stitch_store_merged_total",
                              "Late-record batches merged into a stored trace")),
      batches_(metrics.counter("stitch_store_write_seconds_count",
                               "Write transactions of the embedded store")),
      deleted_age_(metrics.counter("stitch_store_retention_deleted_total",
                                   "Traces deleted by retention",
                                   {{"reason", "age"}})),
      deleted_size_(metrics.counter("stitch_store_retention_deleted_total",
                                    "Traces deleted by retention",
                                    {{"reason", "size"}})),
      dropped_queue_full_(metrics.counter("stitch_store_dropped_total",
                                          "Kept traces that did not reach the store",
                                          {{"reason", "queue_full"}})),
      dropped_write_error_(metrics.counter("stitch_store_dropped_total",
                                           "Kept traces that did not reach the store",
                                           {{"reason", "write_error"}})),
      dropped_stopped_(metrics.counter("stitch_store_dropped_total",
                                       "Kept traces that did not reach the store",
                                       {{"reason", "stopped"}})),
      bytes_(metrics.gauge("stitch_store_bytes", "Bytes of the store's pages in use")),
      traces_(metrics.gauge("stitch_store_traces", "Traces in the embedded store")) {
  metrics.gaugeCallback(
      "stitch_store_write_seconds_sum", "Time spent in the store's write transactions", {},
      [this] { return static_cast<double>(write_nanos_.load(std::memory_order_relaxed)) / 1e9; },
      this);
  metrics.gaugeCallback(
      "stitch_store_queue_depth", "Kept traces waiting for the store writer", {},
      [this] { return static_cast<double>(queueDepth()); }, this);
  if (cache_ != nullptr) {
    metrics.gaugeCallback(
        "stitch_store_cache_bytes", "Bytes held by the cache of recently kept traces", {},
        [this] { return static_cast<double>(cache_->bytes()); }, this);
    metrics.gaugeCallback(
        "stitch_store_cache_traces", "Traces held by the cache of recently kept traces", {},
        [this] { return static_cast<double>(cache_->traces()); }, this);
  }
  if (store_) {
    bytes_.set(static_cast<std::int64_t>(store_->usedBytes()));
    traces_.set(static_cast<std::int64_t>(store_->traceCount()));
  }
}

StoreWriter::~StoreWriter() {
  stop();
  metrics_.removeCallbacks(this);
}

void StoreWriter::start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) {
    return;
  }
  started_ = true;
  next_retention_ns_ = clock_.now();  // a first pass right away: the store may be over its limits
  encoder_ = std::thread([this] {
    nameThisThread("stitch-compress");
    encodeLoop();
  });
  writer_ = std::thread([this] {
    nameThisThread("stitch-store-wr");
    writeLoop();
  });
  spdlog::info("store writer started: {} ({} traces)", config_.path,
               store_ ? store_->traceCount() : 0);
}

void StoreWriter::stop() {
  bool was_started = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    was_started = started_;
    if (!started_) {
      dropped_stopped_.add(queue_.size());
      queue_.clear();
    }
  }
  queue_changed_.notify_all();
  prepared_changed_.notify_all();
  space_changed_.notify_all();
  if (encoder_.joinable()) {
    encoder_.join();
  }
  if (writer_.joinable()) {
    writer_.join();
  }
  done_changed_.notify_all();
  if (was_started) {
    spdlog::info("store writer stopped ({} traces stored)", store_ ? store_->traceCount() : 0);
  }
}

bool StoreWriter::submit(trace::DecidedTracePtr trace) {
  if (!trace) {
    return false;
  }
  if (cache_ != nullptr) {
    cache_->put(trace);
  }
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      dropped_stopped_.add();
      return false;
    }
    if (queue_.size() >= config_.queue_size) {
      if (config_.full_policy == exporting::FullPolicy::kDrop || !started_) {
        dropped_queue_full_.add();
        return false;
      }
      // Block: the shard waits for the writer, and backpressure travels up to ingest.
      space_changed_.wait(lock, [&] { return stopping_ || queue_.size() < config_.queue_size; });
      if (stopping_) {
        dropped_stopped_.add();
        return false;
      }
    }
    queue_.push_back(std::move(trace));
    ++submitted_seq_;
  }
  queue_changed_.notify_one();
  return true;
}

std::size_t StoreWriter::queueDepth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void StoreWriter::flush() {
  std::unique_lock lock(mutex_);
  if (!started_ || stopping_) {
    return;
  }
  const std::uint64_t target = submitted_seq_;
  flush_requested_ = true;
  queue_changed_.notify_all();
  done_changed_.wait(lock, [&] { return done_seq_ >= target || stopping_; });
}

void StoreWriter::enforceRetention() {
  std::unique_lock lock(mutex_);
  if (!started_ || stopping_) {
    return;
  }
  const std::uint64_t target = retention_runs_ + 1;
  retention_requested_ = true;
  prepared_changed_.notify_all();
  done_changed_.wait(lock, [&] { return retention_runs_ >= target || stopping_; });
}

void StoreWriter::markDone(std::uint64_t seq) {
  {
    std::lock_guard lock(mutex_);
    done_seq_ = std::max(done_seq_, seq);
  }
  done_changed_.notify_all();
}

void StoreWriter::encodeLoop() {
  store::BatchEncoder encoder(config_.compression_level);
  std::vector<trace::DecidedTracePtr> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    // Wait for a full batch, the flush interval, a flush request or the stop.
    const auto deadline = std::chrono::steady_clock::now() + config_.flush_interval;
    queue_changed_.wait_until(lock, deadline, [&] {
      return queue_.size() >= config_.batch_size || flush_requested_ || stopping_;
    });
    if (queue_.empty()) {
      if (flush_requested_) {
        flush_requested_ = false;
        // Nothing queued: what was submitted is done once the writer has caught up.
        const std::uint64_t seq = dequeued_seq_;
        prepared_.push_back(Prepared{{}, seq, 0});
        prepared_changed_.notify_all();
      }
      if (stopping_) {
        break;
      }
      continue;
    }
    const std::size_t n = std::min<std::size_t>(queue_.size(), config_.batch_size);
    batch.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    dequeued_seq_ += n;
    space_changed_.notify_all();
    const std::uint64_t seq = dequeued_seq_;
    if (queue_.empty()) {
      flush_requested_ = false;
    }
    lock.unlock();

    Prepared prepared;
    prepared.last_seq = seq;
    prepared.traces = n;
    const bool ok = encoder.prepare(batch, prepared.batch);
    batch.clear();

    lock.lock();
    if (!ok) {
      dropped_write_error_.add(n);
      spdlog::error("store writer: cannot compress a batch of {} traces (out of memory)", n);
      prepared.batch = {};
      prepared.traces = 0;
    }
    prepared_changed_.wait(lock, [&] { return prepared_.size() < kPreparedDepth; });
    prepared_.push_back(std::move(prepared));
    prepared_changed_.notify_all();
  }
  encoder_done_ = true;
  prepared_changed_.notify_all();
}

void StoreWriter::writeLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    prepared_changed_.wait_for(lock, config_.flush_interval, [&] {
      return !prepared_.empty() || encoder_done_ || retention_requested_;
    });
    if (!prepared_.empty()) {
      Prepared prepared = std::move(prepared_.front());
      prepared_.pop_front();
      prepared_changed_.notify_all();
      lock.unlock();
      write(prepared);
      markDone(prepared.last_seq);
      lock.lock();
    }
    const bool retention_due = retention_requested_ || clock_.now() >= next_retention_ns_;
    if (retention_due && store_) {
      const bool requested = retention_requested_;
      retention_requested_ = false;
      lock.unlock();
      runRetention();
      lock.lock();
      if (requested) {
        ++retention_runs_;
        done_changed_.notify_all();
      }
    } else if (retention_requested_) {
      retention_requested_ = false;
      ++retention_runs_;
      done_changed_.notify_all();
    }
    if (encoder_done_ && prepared_.empty()) {
      break;
    }
  }
}

void StoreWriter::write(Prepared& prepared) {
  if (!store_) {
    dropped_write_error_.add(prepared.traces);
    return;
  }
  if (prepared.batch.items.empty()) {
    return;
  }
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    const auto began = std::chrono::steady_clock::now();
    const std::size_t items = prepared.batch.items.size();
    auto written = store_->write(prepared.batch, clock_.now());
    write_nanos_.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - began)
                                       .count()),
        std::memory_order_relaxed);
    batches_.add();
    if (written) {
      written_.add(written->inserted);
      merged_.add(written->merged);
      records_.add(written->records);
      bytes_.set(static_cast<std::int64_t>(store_->usedBytes()));
      traces_.set(static_cast<std::int64_t>(store_->traceCount()));
      return;
    }
    const store::StoreError& error = written.error();
    if (!error.retryable() || attempt == kWriteAttempts) {
      dropped_write_error_.add(items);
      spdlog::error("store writer: dropped {} traces: {}", items, error.message);
      return;
    }
    spdlog::warn("store writer: {} (attempt {} of {}), retrying in {} ms", error.message, attempt,
                 kWriteAttempts, backoff.count());
    {
      // Retention may free space for a full disk; a stop ends the wait early.
      std::unique_lock lock(mutex_);
      prepared_changed_.wait_for(lock, backoff, [&] { return stopping_; });
    }
    if (error.code == store::StoreErrorCode::kFull) {
      runRetention();
    }
    backoff *= 2;
  }
}

void StoreWriter::runRetention() {
  const TimestampNs now = clock_.now();
  next_retention_ns_ =
      now +
      std::chrono::duration_cast<std::chrono::nanoseconds>(config_.retention_interval).count();
  auto result = store_->enforceRetention(now);
  if (!result) {
    spdlog::warn("store retention failed: {}", result.error().message);
    return;
  }
  deleted_age_.add(result->deleted_by_age);
  deleted_size_.add(result->deleted_by_size);
  if (!result->complete) {
    next_retention_ns_ = now;  // more to delete: come back after the next batch
  }
  if (result->deleted_by_age + result->deleted_by_size > 0) {
    bytes_.set(static_cast<std::int64_t>(store_->usedBytes()));
    traces_.set(static_cast<std::int64_t>(store_->traceCount()));
  }
}

}  // namespace stitch::daemon
