#pragma once

#include <chrono>

#include "core/common/config_problem.h"

namespace stitch::runtime {

// Severity threshold of stitchd's own log; kOff silences it.
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// kText: one human-readable line per message; kJson: one JSON object per line, for log
// shippers (including stitch itself).
enum class LogFormat { kText, kJson };

// `log:` in stitch.yaml: how stitchd logs about itself (not the records it collects).
struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  // A warning that repeats (a full queue, a failing exporter) is written at most once per
  // interval, with the number of repeats it stands for; 0 writes every one.
  std::chrono::milliseconds warning_interval{std::chrono::seconds(10)};

  ConfigProblems validate() const;
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

// The daemon-wide keys at the top level of stitch.yaml: `log:` and `shutdown_timeout`.
struct RuntimeConfig {
  LogConfig log;
  // How long SIGTERM/SIGINT waits for queues to drain and exporters to flush before stitchd
  // exits anyway.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};

  // Checks shutdown_timeout only; `log` checks itself (config/ calls both).
  ConfigProblems validate() const;
  friend bool operator==(const RuntimeConfig&, const RuntimeConfig&) = default;
};

}  // namespace stitch::runtime
