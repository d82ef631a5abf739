#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/log_rate_limiter.h"
#include "core/decode/decode_output.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/transport.h"
#include "daemon/output/retrying_file.h"

namespace stitch::daemon {

// Writes the lines the decode policy `invalid_context: dead_letter` sets aside to
// decode.dead_letter_path, one JSON object per line:
//   {"time":"2026-11-24T10:00:00.123Z","transport":"tcp","reason":"malformed_json","line":"..."}
// The line is a JSON string, so a dead letter holding a newline (an octet-counted frame) or
// quotes stays one line; bytes that are not UTF-8 become U+FFFD.
// Producers never block: beyond `max_bytes` queued, lines are dropped and counted
// (stitch_records_dropped_total{reason="dead_letter_full"}).
// Threading: push from any thread; its own thread writes; the rest is for the main thread.
class DeadLetterWriter {
public:
  DeadLetterWriter(std::string path,
                   std::uint64_t max_bytes,
                   IngestMetrics& metrics,
                   LogRateLimiter& warnings);
  ~DeadLetterWriter();

  void open();  // throws std::runtime_error
  void start();
  void push(std::vector<decode::DeadLetter>&& letters, Transport transport);
  // Reopens the file (SIGHUP, logrotate), with a new path if it changed. Any thread.
  void reopen(const std::string& path);
  // Writes what is queued, then stops; false when `deadline` came first (what is left is
  // counted as dropped, reason dead_letter_error).
  bool finish(std::chrono::steady_clock::time_point deadline);

private:
  void run();

  IngestMetrics& metrics_;
  LogRateLimiter& warnings_;
  metrics::Counter& written_;
  metrics::Counter& write_errors_;
  const std::uint64_t max_bytes_;
  std::string path_;
  RetryingFile sink_{"dead-letter file"};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;              // guarded by mutex_: formatted lines
  std::uint64_t pending_lines_ = 0;  // guarded by mutex_
  std::string reopen_path_;          // guarded by mutex_
  bool reopen_ = false;              // guarded by mutex_
  bool closing_ = false;             // guarded by mutex_
  std::atomic<bool> abandon_{false};
  std::promise<void> done_;
  std::future<void> done_future_;
  std::thread thread_;
};

}  // namespace stitch::daemon
