#include "daemon/export/exporter.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <random>

#include <spdlog/spdlog.h>

#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

using exporting::ExportItem;
using exporting::FullPolicy;
using exporting::ItemKind;

// A server-requested wait is honoured up to this: a collector asking for an hour would
// otherwise stall the exporter (and, under the block policy, the pipeline) for that long.
constexpr std::chrono::minutes kMaxRetryAfter{5};

std::int64_t steadyNs(SteadyTime t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::uint64_t seedFrom(std::uint64_t seed) {
  if (seed != 0) {
    return seed;
  }
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

struct Exporter::Counters {
  metrics::Counter* items[exporting::kItemKindCount];
  metrics::Counter& received_records;
  metrics::Counter& sent_records;
  metrics::Counter& sent_payloads;
  metrics::Counter& sent_bytes;
  metrics::Counter& send_attempts;
  metrics::Counter& send_micros;
  metrics::Counter& retries;
  metrics::Counter& push_blocked;
  metrics::Counter& reopens;
  metrics::Counter& dropped_queue_full;
  metrics::Counter& dropped_stopped;
  metrics::Counter& dropped_shutdown;
  metrics::Counter& dropped_permanent;
  metrics::Counter& dropped_exhausted;
  metrics::Counter& dropped_rejected;
  metrics::Counter& dropped_disabled;
  metrics::Counter& dropped_encode;
  metrics::Counter& invalid_attributes;
  metrics::Counter& invalid_lines;
  metrics::Gauge& queue_depth;
  metrics::Gauge& queue_bytes;

  static metrics::Labels with(const metrics::Labels& base, const char* key, std::string_view v) {
    metrics::Labels labels = base;
    labels.emplace_back(key, std::string(v));
    return labels;
  }

  Counters(metrics::Registry& r, const metrics::Labels& l)
      : received_records(r.counter("stitch_exporter_received_records_total",
                                   "Records accepted into the exporter's queue",
                                   l)),
        sent_records(r.counter("stitch_exporter_sent_records_total",
                               "Records delivered (acknowledged or written)",
                               l)),
        sent_payloads(r.counter(
            "stitch_exporter_sent_payloads_total", "Requests or write batches delivered", l)),
        sent_bytes(r.counter(
            "stitch_exporter_sent_bytes_total", "Bytes delivered (after compression)", l)),
        send_attempts(r.counter(
            "stitch_exporter_send_attempts_total", "Delivery attempts, failed or not", l)),
        send_micros(r.counter("stitch_exporter_send_duration_microseconds_total",
                              "Time spent in delivery attempts",
                              l)),
        retries(
            r.counter("stitch_exporter_retries_total", "Delivery attempts that were retries", l)),
        push_blocked(r.counter("stitch_exporter_push_blocked_total",
                               "Pushes that waited for room in a full queue (block policy)",
                               l)),
        reopens(r.counter("stitch_exporter_reopens_total",
                          "Reopen requests handled (SIGHUP, e.g. after logrotate moved a file)",
                          l)),
        dropped_queue_full(dropped(r, l, "queue_full")),
        dropped_stopped(dropped(r, l, "stopped")),
        dropped_shutdown(dropped(r, l, "shutdown")),
        dropped_permanent(dropped(r, l, "permanent_error")),
        dropped_exhausted(dropped(r, l, "retries_exhausted")),
        dropped_rejected(dropped(r, l, "rejected")),
        dropped_disabled(dropped(r, l, "signal_disabled")),
        dropped_encode(dropped(r, l, "encode_error")),
        invalid_attributes(r.counter("stitch_exporter_encode_problems_total",
                                     "Records exported without a part that was not valid JSON",
                                     with(l, "reason", "invalid_attributes"))),
        invalid_lines(r.counter("stitch_exporter_encode_problems_total",
                                "Records exported without a part that was not valid JSON",
                                with(l, "reason", "invalid_line"))),
        queue_depth(r.gauge("stitch_exporter_queue_depth", "Items waiting in the queue", l)),
        queue_bytes(r.gauge(
            "stitch_exporter_queue_bytes", "Bytes of record lines waiting in the queue", l)) {
    for (std::size_t k = 0; k < exporting::kItemKindCount; ++k) {
      items[k] = &r.counter("stitch_exporter_items_total", "Items accepted, by kind",
                            with(l, "kind", exporting::itemKindName(static_cast<ItemKind>(k))));
    }
  }

  static metrics::Counter& dropped(metrics::Registry& r,
                                   const metrics::Labels& l,
                                   std::string_view reason) {
    return r.counter("stitch_exporter_dropped_total",
                     "Records that will not be delivered, by reason", with(l, "reason", reason));
  }
};

Exporter::Exporter(std::string name,
                   const exporting::ExporterCommonConfig& config,
                   std::unique_ptr<ExporterBackend> backend,
                   const ExporterContext& context)
    : name_(std::move(name)),
      config_(config),
      backend_(std::move(backend)),
      registry_(context.metrics),
      labels_{{"exporter", name_}},
      counters_(std::make_unique<Counters>(registry_, labels_)),
      backoff_(config.retry, seedFrom(context.seed)),
      warning_interval_(context.warning_interval),
      stop_deadline_ns_(std::numeric_limits<std::int64_t>::max()) {
  backend_->registerMetrics(registry_, labels_);
}

Exporter::~Exporter() {
  requestStop(std::chrono::steady_clock::now());
  join();
}

void Exporter::start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) {
    return;
  }
  started_ = true;
  worker_ = std::thread([this] {
    nameThisThread("stitch-x-" + name_);
    run();
  });
  spdlog::info("exporter {}: started", name_);
}

PushResult Exporter::push(const ExportItem& item) {
  if (item.empty()) {
    return PushResult::kQueued;
  }
  std::unique_lock lock(mutex_);
  const auto full = [&] {
    if (queue_.size() >= config_.queue_size) {
      return true;
    }
    // An item bigger than the whole byte budget still goes into an empty queue.
    return config_.queue_max_bytes != 0 && !queue_.empty() &&
           queue_bytes_ + item.bytes() > config_.queue_max_bytes;
  };
  if (!stopping_ && full()) {
    if (config_.full_policy == FullPolicy::kDrop) {
      counters_->dropped_queue_full.add(item.recordCount());
      return PushResult::kDropped;
    }
    counters_->push_blocked.add();
    space_cv_.wait(lock, [&] { return stopping_ || !full(); });
  }
  if (stopping_) {
    counters_->dropped_stopped.add(item.recordCount());
    return PushResult::kStopped;
  }
  const bool was_empty = queue_.empty();
  queue_.push_back(Queued{item, std::chrono::steady_clock::now()});
  queue_bytes_ += item.bytes();
  counters_->items[static_cast<std::size_t>(item.kind())]->add();
  counters_->received_records.add(item.recordCount());
  counters_->queue_depth.set(static_cast<std::int64_t>(queue_.size()));
  counters_->queue_bytes.set(static_cast<std::int64_t>(queue_bytes_));
  // The worker needs a nudge only to start a flush timer or to take a batch that is now full.
  if (was_empty || batchReadyLocked(std::chrono::steady_clock::now())) {
    work_cv_.notify_one();
  }
  return PushResult::kQueued;
}

void Exporter::requestReopen() {
  std::lock_guard lock(mutex_);
  reopen_requested_ = true;
  work_cv_.notify_one();
}

void Exporter::requestStop(SteadyTime deadline) {
  std::lock_guard lock(mutex_);
  if (stopping_) {
    return;
  }
  stopping_ = true;
  stop_deadline_ns_.store(steadyNs(deadline), std::memory_order_relaxed);
  work_cv_.notify_all();
  space_cv_.notify_all();
}

StopReport Exporter::join() {
  std::unique_lock lock(mutex_);
  if (joined_ || !stopping_) {
    return report_;
  }
  joined_ = true;
  const bool started = started_;
  lock.unlock();
  if (started) {
    worker_.join();
  }
  lock.lock();
  // Without a worker (never started) or after a worker that gave up: what is left is lost.
  for (const Queued& q : queue_) {
    ++report_.undelivered_items;
    report_.undelivered_records += q.item.recordCount();
    counters_->dropped_shutdown.add(q.item.recordCount());
  }
  queue_.clear();
  queue_bytes_ = 0;
  counters_->queue_depth.set(0);
  counters_->queue_bytes.set(0);
  if (report_.drained()) {
    spdlog::info("exporter {}: stopped, everything delivered", name_);
  } else {
    spdlog::warn(
        "exporter {}: stopped; {} records in {} queued items and unfinished payloads "
        "were not delivered",
        name_, report_.undelivered_records, report_.undelivered_items);
  }
  return report_;
}

StopReport Exporter::stop(SteadyTime deadline) {
  requestStop(deadline);
  return join();
}

std::size_t Exporter::queueDepth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

SteadyTime Exporter::stopDeadline() const noexcept {
  return SteadyTime(std::chrono::nanoseconds(stop_deadline_ns_.load(std::memory_order_relaxed)));
}

bool Exporter::batchReadyLocked(SteadyTime now) const {
  if (queue_.empty()) {
    return false;
  }
  if (stopping_ || queue_.size() >= config_.batch_max_items ||
      queue_bytes_ >= config_.batch_max_bytes) {
    return true;
  }
  return now - queue_.front().enqueued >= config_.flush_interval;
}

void Exporter::takeBatchLocked(std::vector<ExportItem>& batch) {
  std::uint64_t bytes = 0;
  while (!queue_.empty() && batch.size() < config_.batch_max_items) {
    const ExportItem& item = queue_.front().item;
    if (!batch.empty() && bytes + item.bytes() > config_.batch_max_bytes) {
      break;
    }
    bytes += item.bytes();
    queue_bytes_ -= item.bytes();
    batch.push_back(std::move(queue_.front().item));
    queue_.pop_front();
  }
  counters_->queue_depth.set(static_cast<std::int64_t>(queue_.size()));
  counters_->queue_bytes.set(static_cast<std::int64_t>(queue_bytes_));
}

void Exporter::run() {
  std::vector<ExportItem> batch;
  const auto tick = backend_->tickInterval();
  SteadyTime next_tick = std::chrono::steady_clock::now() + tick;
  for (;;) {
    bool reopen = false;
    bool exit = false;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        const SteadyTime now = std::chrono::steady_clock::now();
        if (reopen_requested_) {
          reopen_requested_ = false;
          reopen = true;
          break;
        }
        if (batchReadyLocked(now)) {
          if (stopping_ && now >= stopDeadline()) {
            exit = true;  // join() counts what is left
          } else {
            takeBatchLocked(batch);
            space_cv_.notify_all();
          }
          break;
        }
        if (stopping_ && queue_.empty()) {
          exit = true;
          break;
        }
        if (now >= next_tick) {
          break;
        }
        SteadyTime wake = next_tick;
        if (!queue_.empty()) {
          wake = std::min(wake, queue_.front().enqueued + config_.flush_interval);
        }
        work_cv_.wait_until(lock, wake);
      }
    }
    if (reopen) {
      backend_->reopen();
      counters_->reopens.add(1);
    }
    if (!batch.empty()) {
      process(batch);
      batch.clear();
    }
    if (std::chrono::steady_clock::now() >= next_tick) {
      backend_->onTick();
      next_tick = std::chrono::steady_clock::now() + tick;
    }
    if (exit) {
      break;
    }
  }
  backend_->close();
}

void Exporter::process(std::vector<ExportItem>& batch) {
  std::vector<Payload> payloads;
  EncodeStats stats;
  try {
    stats = backend_->encode(batch, payloads);
  } catch (const std::exception& e) {
    // Out of memory or a bug: lose this batch, counted, rather than the process.
    std::uint64_t records = 0;
    for (const auto& item : batch) {
      records += item.recordCount();
    }
    counters_->dropped_encode.add(records);
    warn("encode", fmt::format("encoding a batch of {} records failed: {}", records, e.what()));
    return;
  }
  counters_->dropped_disabled.add(stats.skipped_records);
  counters_->invalid_attributes.add(stats.invalid_attributes);
  counters_->invalid_lines.add(stats.invalid_lines);
  for (Payload& payload : payloads) {
    deliver(payload);
  }
}

void Exporter::deliver(Payload& payload) {
  const SteadyTime first = std::chrono::steady_clock::now();
  std::uint32_t failures = 0;
  for (;;) {
    const SteadyTime now = std::chrono::steady_clock::now();
    const SteadyTime deadline = stopDeadline();
    if (now >= deadline) {
      report_.undelivered_records += payload.records;
      counters_->dropped_shutdown.add(payload.records);
      return;
    }
    if (failures > 0) {
      counters_->retries.add();
    }
    SendResult result;
    try {
      result = backend_->send(payload, deadline);
    } catch (const std::exception& e) {
      result = SendResult::retryable("exception", e.what());
    }
    const auto spent = std::chrono::steady_clock::now() - now;
    counters_->send_attempts.add();
    counters_->send_micros.add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(spent).count()));

    if (result.kind == SendResult::Kind::kOk) {
      const std::uint64_t rejected =
          std::min<std::uint64_t>(result.rejected_records, payload.records);
      counters_->sent_records.add(payload.records - rejected);
      counters_->dropped_rejected.add(rejected);
      counters_->sent_payloads.add();
      counters_->sent_bytes.add(payload.body.size());
      if (rejected > 0) {
        warn("rejected", fmt::format("the receiver rejected {} of {} records: {}", rejected,
                                     payload.records, result.detail));
      }
      return;
    }
    ++failures;
    failedCounter(result.reason).add();
    if (result.kind == SendResult::Kind::kPermanent) {
      counters_->dropped_permanent.add(payload.records);
      warn("permanent:" + result.reason,
           fmt::format("dropping {} records after a permanent failure ({}): {}", payload.records,
                       result.reason, result.detail));
      return;
    }
    std::chrono::nanoseconds wait = backoff_.delay(failures);
    if (result.retry_after) {
      wait = std::clamp<std::chrono::nanoseconds>(*result.retry_after, std::chrono::nanoseconds(0),
                                                  kMaxRetryAfter);
    }
    const auto elapsed = std::chrono::steady_clock::now() - first;
    if (!backoff_.mayRetry(failures, elapsed, wait)) {
      counters_->dropped_exhausted.add(payload.records);
      warn("exhausted", fmt::format("giving up on {} records after {} attempts ({}): {}",
                                    payload.records, failures, result.reason, result.detail));
      return;
    }
    warn("retry:" + result.reason,
         fmt::format("delivery failed ({}), retrying in {} ms: {}", result.reason,
                     std::chrono::duration_cast<std::chrono::milliseconds>(wait).count(),
                     result.detail));
    std::unique_lock lock(mutex_);
    const SteadyTime until = std::chrono::steady_clock::now() + wait;
    // Ends early only when requestStop() brings the deadline before the retry time.
    for (;;) {
      const SteadyTime limit = std::min(until, stopDeadline());
      if (std::chrono::steady_clock::now() >= limit) {
        break;
      }
      work_cv_.wait_until(lock, limit);
    }
  }
}

metrics::Counter& Exporter::failedCounter(const std::string& reason) {
  auto it = failed_by_reason_.find(reason);
  if (it == failed_by_reason_.end()) {
    metrics::Labels labels = labels_;
    labels.emplace_back("reason", reason);
    metrics::Counter& counter = registry_.counter("stitch_exporter_failed_total",
                                                  "Failed delivery attempts, by reason", labels);
    it = failed_by_reason_.emplace(reason, &counter).first;
  }
  return *it->second;
}

void Exporter::warn(const std::string& key, const std::string& message) {
  const SteadyTime now = std::chrono::steady_clock::now();
  auto it = last_warning_.find(key);
  if (it != last_warning_.end() && now - it->second < warning_interval_) {
    ++suppressed_warnings_[key];
    return;
  }
  last_warning_[key] = now;
  std::uint64_t& suppressed = suppressed_warnings_[key];
  if (suppressed > 0) {
    spdlog::warn("exporter {}: {} ({} similar messages suppressed)", name_, message, suppressed);
    suppressed = 0;
  } else {
    spdlog::warn("exporter {}: {}", name_, message);
  }
}

}  // namespace stitch::daemon
