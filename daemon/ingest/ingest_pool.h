#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/common/clock.h"
#include "core/common/log_rate_limiter.h"
#include "core/ingest/record_sink.h"
#include "daemon/ingest/ingest_metrics.h"

namespace stitch::daemon {

class DeadLetterWriter;
struct IngestSettings;
class IngestWorker;
struct WorkerShared;

// A listener that could not be opened: exit code 3 ("could not bind or start").
class StartError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Where the listeners ended up (port 0 resolved), for the ready file and the log.
struct BoundEndpoints {
  std::optional<std::string> tcp;  // "127.0.0.1:43567"
  std::optional<std::string> udp;
  std::optional<std::string> unix_stream;  // the socket path
  std::optional<std::string> unix_datagram;
  std::optional<std::uint64_t> udp_receive_buffer;  // what the kernel granted, per socket
};

// The ingest worker pool: opens the listeners, runs one IngestWorker per thread, drains them on
// stop and hands reloaded settings to them.
// Threading: main thread only (workers run on their own threads).
class IngestPool {
public:
  IngestPool(std::shared_ptr<const IngestSettings> settings,
             ingest::RecordSink& sink,
             DeadLetterWriter* dead_letters,
             IngestMetrics& metrics,
             LogRateLimiter& warnings,
             const Clock& clock);
  ~IngestPool();

  // Opens and binds every configured listener on the workers' event loops. Throws StartError.
  void bind();
  const BoundEndpoints& endpoints() const noexcept { return endpoints_; }

  void start();
  // Stops accepting; every connection is read until its peer closes it or goes quiet (no later
  // than `read_deadline`) and what was read is handed on. Safe to call twice and without
  // start().
  void beginStop(std::chrono::steady_clock::time_point read_deadline);
  // True when every worker finished draining before `deadline`.
  bool waitStopped(std::chrono::steady_clock::time_point deadline);
  // Stops the workers where they are; returns the records they still held (lost).
  std::uint64_t forceStop();

  // New limits, timeouts and decode settings for new batches. Listener addresses are not
  // rebound: `restartNeeded` says which changed.
  void applySettings(std::shared_ptr<const IngestSettings> settings);
  static std::vector<std::string> restartNeeded(const IngestSettings& running,
                                                const IngestSettings& next);

private:
  std::shared_ptr<const IngestSettings> settings_;
  std::unique_ptr<WorkerShared> shared_;
  std::vector<std::unique_ptr<IngestWorker>> workers_;
  BoundEndpoints endpoints_;
  std::vector<std::string> unix_paths_;  // removed on destruction
  bool started_ = false;
};

}  // namespace stitch::daemon
