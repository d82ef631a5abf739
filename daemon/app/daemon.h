#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace stitch::daemon {

struct StopResult {
  bool drained = false;       // everything received was written before shutdown_timeout
  std::uint64_t lost = 0;     // records received but not written (counted, reason "shutdown")
  std::uint64_t written = 0;  // records written to the output over the daemon's life
};

// stitchd: builds the ingest workers, the HTTP server and the output writer from a config,
// starts them, reloads them and drains them on stop.
//
//   ingest workers (N threads) --RecordQueue (bounded)--> output writer (1 thread)
//   HTTP server    (1 thread) --/
//
// Threading: every method is for the main thread (the one that owns the signals).
class Daemon {
public:
  explicit Daemon(const config::StitchConfig& config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the output, binds every listener and starts the threads; logs one line per listener.
  // Throws StartError (exit code 3) when something cannot be opened or bound.
  void start();

  // {"pid":..,"tcp":"127.0.0.1:43567","udp":..,"unix_stream":..,"unix_datagram":..,"api":..}:
  // where the listeners ended up (port 0 resolved). Keys of disabled listeners are absent.
  std::string readyJson() const;

  // Applies a new, already validated config (SIGHUP) without dropping anything buffered:
  // log settings, limits, timeouts, decode settings for new batches, the output is reopened.
  // Returns the changed keys that need a restart to take effect (listener addresses...).
  std::vector<std::string> reload(const config::StitchConfig& next);

  // Stops accepting, drains what was received, writes it out, within shutdown_timeout.
  StopResult stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stitch::daemon
