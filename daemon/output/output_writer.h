#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/common/log_rate_limiter.h"
#include "core/ingest/output_config.h"
#include "core/ingest/record_queue.h"
#include "core/metrics/metrics.h"
#include "daemon/output/retrying_file.h"

namespace stitch::daemon {

// Writes every record taken from the queue to stdout or a file, one line each: the record's
// original bytes and '\n'. Lines are collected into a buffer and written with one write() when
// the buffer is full or the queue runs empty, so a busy daemon makes few, large writes and an
// idle one writes at once. A slow or blocked destination (a FIFO, a full disk) stops the
// writer, then the queue fills and the ingest workers stop reading: backpressure, never loss.
// It will become the stdout and file exporters when the pipeline lands.
// Threading: its own thread consumes the queue; the public methods are for the main thread.
class OutputWriter {
public:
  OutputWriter(const ingest::OutputConfig& config,
               ingest::RecordQueue& queue,
               metrics::Registry& registry,
               LogRateLimiter& warnings);
  ~OutputWriter();
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // Opens the destination. Throws std::runtime_error with the reason when it cannot. A FIFO
  // blocks here until a reader opens it.
  void open();
  void start();
  // Reopens the destination with `config` (same or new path) before the next write: SIGHUP,
  // so that logrotate can move the file away. On failure the old destination stays. Any thread.
  void reopen(const ingest::OutputConfig& config);
  // Call after the producers stopped: closes the queue and waits until everything queued is
  // written, or `deadline`. True when all was written. Safe to call twice and without start().
  bool finish(std::chrono::steady_clock::time_point deadline);
  // Records taken in but not written (in the queue or the buffer). Exact once finish() returned.
  std::uint64_t unwritten() const noexcept;
  // Bytes in the write buffer (for stitch_bytes_held).
  std::uint64_t bufferedBytes() const noexcept {
    return buffered_bytes_.load(std::memory_order_relaxed);
  }

private:
  void run();
  void flush();
  void applyReopen();

  ingest::OutputConfig config_;  // writer thread after start()
  ingest::RecordQueue& queue_;
  LogRateLimiter& warnings_;
  metrics::Counter& records_written_;
  metrics::Counter& bytes_written_;
  metrics::Counter& write_errors_;
  metrics::Counter& reopens_;
  RetryingFile sink_{"output"};
  std::string buffer_;
  std::uint64_t buffered_records_ = 0;
  std::atomic<std::uint64_t> buffered_records_shared_{0};
  std::atomic<std::uint64_t> buffered_bytes_{0};
  std::atomic<bool> abandon_{false};  // finish() timed out: stop retrying failed writes

  std::mutex reopen_mutex_;
  std::optional<ingest::OutputConfig> reopen_config_;  // guarded by reopen_mutex_
  std::atomic<bool> reopen_requested_{false};

  std::promise<void> done_;
  std::future<void> done_future_;
  std::thread thread_;
};

}  // namespace stitch::daemon
