#pragma once

#include <memory>

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include "core/runtime/runtime_config.h"

namespace stitch::daemon {

// Applies `log.level` and `log.format` to spdlog's default logger, which writes to stderr
// (stdout may carry records). Main thread, at start-up (and on reload), before or while other
// threads log: spdlog swaps formatters under its lock.
void configureLogging(const runtime::LogConfig& config);

spdlog::level::level_enum toSpdlogLevel(runtime::LogLevel level);

// One JSON object per line: {"time":"2024-05-01T12:00:00.123Z","level":"info","msg":"..."}
// with the time in UTC (milliseconds) and level names as in stitch.yaml (trace ... critical).
std::unique_ptr<spdlog::formatter> makeJsonFormatter();

// The text format: "2024-05-01T12:00:00.123Z info stitchd started" (UTC, level coloured on a
// terminal).
std::unique_ptr<spdlog::formatter> makeTextFormatter();

}  // namespace stitch::daemon
