#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "core/common/log_rate_limiter.h"
#include "core/metrics/metrics.h"

namespace stitch::daemon {

// An append-only destination: stdout (empty path) or a file (created 0640 when missing; a FIFO
// works too). Writes retry with backoff until they succeed: a full disk or a closed pipe holds
// the writer (and, through the queues, the ingest) up instead of losing lines.
// Threading: one writer thread; `abandon` may be set from any thread.
class FileSink {
public:
  explicit FileSink(std::string what) : what_(std::move(what)) {}
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Opens `path` (stdout when empty), closing what was open only on success. Returns an error
  // message, or "" on success. A FIFO blocks until a reader opens it.
  std::string open(const std::string& path);
  // Writes all of `data`. False only when `abandon` became true while writes were failing.
  bool writeAll(std::string_view data,
                const std::atomic<bool>& abandon,
                metrics::Counter& errors,
                LogRateLimiter& warnings);
  const std::string& path() const noexcept { return path_; }

private:
  void close() noexcept;

  std::string what_;  // "output", "dead-letter file": for the log
  std::string path_;
  int fd_ = -1;
};

}  // namespace stitch::daemon
