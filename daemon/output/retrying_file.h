#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/clock.h"
#include "core/common/log_rate_limiter.h"
#include "core/metrics/metrics.h"
#include "daemon/export/file_sink.h"

namespace stitch::daemon {

// An append-only destination (the exporters' FileSink: stdout for an empty path, else a file;
// no rotation, no fsync: SIGHUP reopens it for logrotate) whose writes are retried with
// backoff until they succeed, so that a full disk or a closed pipe holds the writer (and,
// through the queues, the ingest) up instead of losing lines.
// Threading: one writer thread; `abandon` may be set from any thread.
class RetryingFile {
public:
  explicit RetryingFile(std::string what) : what_(std::move(what)) {}

  // Opens `path` (stdout when empty); what was open stays open unless this succeeds. Returns an
  // error message, or "" on success. A FIFO blocks until a reader opens it.
  std::string open(const std::string& path);
  // Writes all of `data`. False only when `abandon` became true while writes were failing.
  bool writeAll(std::string_view data,
                const std::atomic<bool>& abandon,
                metrics::Counter& errors,
                LogRateLimiter& warnings);
  const std::string& path() const noexcept { return path_; }

private:
  std::string what_;  // "output", "dead-letter file": for the log
  std::string path_;
  SystemClock clock_;
  std::unique_ptr<FileSink> sink_;
};

}  // namespace stitch::daemon
