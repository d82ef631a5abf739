#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace stitch::daemon {

struct StopResult {
  bool drained = false;    // everything received was decided and handed on in time
  std::uint64_t lost = 0;  // records received but not delivered (counted, reason "shutdown")
};

// stitchd: builds the ingest workers, the shards, the exporters, the store and the HTTP server
// from a config, starts them, reloads them and drains them on stop.
//
//   ingest workers (N) --head sampling, route by trace id--> shard queues (bounded)
//   HTTP POST /v1/logs --/                                      |
//   shard threads (M): assemble, tail + adaptive sampling  -->  exporters (one thread each)
//                                                          \->  store writer (+ cache)
//   HTTP thread: /metrics, /healthz, /readyz, /api/v1/sampling; the query API runs on a
//   query thread and asks the shards for pending traces.
//
// Threading: every method is for the main thread (the one that owns the signals).
class Daemon {
public:
  explicit Daemon(const config::StitchConfig& config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the exporters and the store, binds every listener and starts the threads; logs one
  // line per listener. Throws StartError (exit code 3) when something cannot be opened or bound.
  void start();

  // {"pid":..,"tcp":"127.0.0.1:43567","udp":..,"unix_stream":..,"unix_datagram":..,"api":..}:
  // where the listeners ended up (port 0 resolved). Keys of disabled listeners are absent.
  std::string readyJson() const;

  // Applies a new, already validated config (SIGHUP) without dropping anything buffered:
  // log settings, limits, timeouts, decode settings for new batches; file exporters reopen
  // their files (logrotate).
  // Returns the changed keys that need a restart to take effect (listener addresses...).
  std::vector<std::string> reload(const config::StitchConfig& next);

  // Stops accepting, reads what senders still send, decides every pending trace and hands it
  // to the exporters and the store, which flush; all within shutdown_timeout.
  StopResult stop();

  // Records received but not yet handed to the exporters: queued for or held by the shards, or
  // waiting in an exporter's queue. Any thread (a snapshot, for the shutdown watchdog).
  std::uint64_t recordsInFlight() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stitch::daemon
