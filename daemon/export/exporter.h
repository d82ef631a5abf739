#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/common/clock.h"
#include "core/export/backoff.h"
#include "core/export/export_item.h"
#include "core/export/exporter_config.h"
#include "core/metrics/metrics.h"

namespace stitch::daemon {

using SteadyTime = std::chrono::steady_clock::time_point;

// One unit of delivery produced by a backend's encode(): retried as a whole, except that a
// backend writing a byte stream advances `offset` so that a retry resumes where a partial
// write stopped (no duplicated bytes).
struct Payload {
  std::string body;
  std::uint32_t records = 0;  // records this payload delivers
  std::uint8_t channel = 0;   // backend-defined (OTLP: traces or logs)
  std::size_t offset = 0;     // bytes of body already delivered
};

// The outcome of one delivery attempt.
struct SendResult {
  enum class Kind : std::uint8_t { kOk, kRetryable, kPermanent };
  Kind kind = Kind::kOk;
  std::string reason;  // failures: a short metric label ("connect", "timeout", "http_503")
  std::string detail;  // failures: a human-readable line for the log
  std::optional<std::chrono::nanoseconds> retry_after;  // retryable: the server's wait
  std::uint64_t rejected_records = 0;  // kOk: records the receiver refused (partial success)

  static SendResult ok(std::uint64_t rejected = 0) {
    SendResult r;
    r.rejected_records = rejected;
    return r;
  }
  static SendResult retryable(std::string reason, std::string detail) {
    return failure(Kind::kRetryable, std::move(reason), std::move(detail));
  }
  static SendResult permanent(std::string reason, std::string detail) {
    return failure(Kind::kPermanent, std::move(reason), std::move(detail));
  }

private:
  static SendResult failure(Kind kind, std::string reason, std::string detail) {
    SendResult r;
    r.kind = kind;
    r.reason = std::move(reason);
    r.detail = std::move(detail);
    return r;
  }
};

// What encode() noticed besides the payloads.
struct EncodeStats {
  std::uint64_t skipped_records = 0;     // not exported by configuration (e.g. logs_path "")
  std::uint64_t invalid_attributes = 0;  // attributes/resource text left out (not an object)
  std::uint64_t invalid_lines = 0;       // lines wrapped because they were not JSON objects
};

// The destination-specific part of an exporter: how items become bytes and how bytes leave.
// Exporter drives it; every method except the constructor and destructor runs on that
// exporter's worker thread, one call at a time, so implementations need no locking.
class ExporterBackend {
public:
  virtual ~ExporterBackend() = default;

  // Appends the payloads for `items` to `out`.
  virtual EncodeStats encode(std::span<const exporting::ExportItem> items,
                             std::vector<Payload>& out) = 0;
  // One attempt to deliver `payload`; must return by `deadline` (give up: kRetryable).
  virtual SendResult send(Payload& payload, SteadyTime deadline) = 0;
  // Housekeeping every tickInterval() (rotation by age, fsync by interval).
  virtual void onTick() {}
  virtual std::chrono::milliseconds tickInterval() const { return std::chrono::seconds(1); }
  // Reopens the output (SIGHUP after an external log rotation).
  virtual void reopen() {}
  // Flushes and releases the output; called once, when the worker ends.
  virtual void close() {}
  // Registers metrics of its own (e.g. fsyncs), labelled like the runtime's.
  virtual void registerMetrics(metrics::Registry& /*registry*/, const metrics::Labels& /*labels*/) {
  }
};

// What every exporter gets from the daemon.
struct ExporterContext {
  metrics::Registry& metrics;
  const Clock& clock;      // wall clock: file ages, Retry-After dates
  std::uint64_t seed = 0;  // jitter seed; 0 draws one from std::random_device
  // The same warning (a failing destination, rejected records) is logged at most once per
  // interval, with the count of those it stands for; 0 logs every one. `log.warning_interval`.
  std::chrono::milliseconds warning_interval{std::chrono::seconds(10)};
};

// What stop() could not deliver.
struct StopReport {
  std::uint64_t undelivered_items = 0;    // still queued when the deadline came
  std::uint64_t undelivered_records = 0;  // in those items and in payloads given up
  bool drained() const noexcept { return undelivered_records == 0; }
};

enum class PushResult : std::uint8_t {
  kQueued,
  kDropped,  // queue full under the drop policy (counted, reason "queue_full")
  kStopped,  // the exporter is stopping or stopped (counted, reason "stopped")
};

// An exporter: a bounded queue in front of one worker thread that batches items, encodes
// them with its backend, and delivers each payload with retries (exponential backoff with
// jitter; the server's Retry-After when it gives one). Every record is counted once as sent
// or as dropped with a reason.
//
// Threading: push() from any thread; start(), requestStop(), join(), stop() and
// requestReopen() from the owner (the main thread). The backend is touched only by the worker.
//
// Metrics (label exporter=<name>): stitch_exporter_items_total{kind},
// stitch_exporter_received_records_total, stitch_exporter_sent_records_total,
// stitch_exporter_sent_payloads_total, stitch_exporter_sent_bytes_total,
// stitch_exporter_send_attempts_total, stitch_exporter_send_duration_microseconds_total,
// stitch_exporter_failed_total{reason}, stitch_exporter_retries_total,
// stitch_exporter_dropped_total{reason}, stitch_exporter_push_blocked_total,
// stitch_exporter_encode_problems_total{reason}, stitch_exporter_queue_depth,
// stitch_exporter_queue_bytes.
class Exporter {
public:
  Exporter(std::string name,
           const exporting::ExporterCommonConfig& config,
           std::unique_ptr<ExporterBackend> backend,
           const ExporterContext& context);
  // Stops at once (no drain) if still running.
  ~Exporter();
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Starts the worker. Items pushed before start() wait in the queue.
  void start();

  // Queues `item` (a copy of two pointers). When the queue is full, waits for room under the
  // block policy (this is how backpressure reaches the pipeline), or drops and counts under
  // the drop policy. Empty items are accepted and ignored.
  PushResult push(const exporting::ExportItem& item);

  // Asks the backend to reopen its output on the worker thread (SIGHUP).
  void requestReopen();

  // Stops accepting items and lets the worker deliver what is queued until `deadline`;
  // what is left then is dropped (reason "shutdown") and reported. Non-blocking; join()
  // waits. Safe without start() and more than once (later calls change nothing).
  void requestStop(SteadyTime deadline);
  StopReport join();
  // requestStop + join.
  StopReport stop(SteadyTime deadline);

  const std::string& name() const noexcept { return name_; }
  std::size_t queueDepth() const;

private:
  struct Queued {
    exporting::ExportItem item;
    SteadyTime enqueued;
  };
  struct Counters;

  void run();
  bool batchReadyLocked(SteadyTime now) const;
  void takeBatchLocked(std::vector<exporting::ExportItem>& batch);
  void process(std::vector<exporting::ExportItem>& batch);
  void deliver(Payload& payload);
  SteadyTime stopDeadline() const noexcept;
  metrics::Counter& failedCounter(const std::string& reason);
  void warn(const std::string& key, const std::string& message);

  const std::string name_;
  const exporting::ExporterCommonConfig config_;
  const std::unique_ptr<ExporterBackend> backend_;
  metrics::Registry& registry_;
  const metrics::Labels labels_;
  std::unique_ptr<Counters> counters_;
  exporting::Backoff backoff_;  // worker only
  const std::chrono::milliseconds warning_interval_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;   // the worker waits for items, stop, reopen
  std::condition_variable space_cv_;  // block-policy pushers wait for room
  std::deque<Queued> queue_;
  std::uint64_t queue_bytes_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  bool joined_ = false;
  bool reopen_requested_ = false;
  std::atomic<std::int64_t> stop_deadline_ns_;  // steady-clock ns; max until requestStop
  StopReport report_;                           // written by the worker, read after join
  std::thread worker_;

  // Worker only: counters by failure reason, rate-limited warnings.
  std::map<std::string, metrics::Counter*, std::less<>> failed_by_reason_;
  std::map<std::string, SteadyTime, std::less<>> last_warning_;
  std::map<std::string, std::uint64_t, std::less<>> suppressed_warnings_;
};

}  // namespace stitch::daemon
