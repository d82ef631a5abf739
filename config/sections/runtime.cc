// `log:` and `shutdown_timeout`: how stitchd runs as a process.
#include <chrono>

#include "config/sections/sections.h"
#include "core/runtime/runtime_config.h"

namespace stitch::config {

using runtime::LogConfig;
using runtime::LogFormat;
using runtime::LogLevel;
using runtime::RuntimeConfig;
using namespace std::chrono_literals;

void describe(EnumSchema<LogLevel>& e) {
  e.value("trace", LogLevel::kTrace)
      .value("debug", LogLevel::kDebug)
      .value("info", LogLevel::kInfo)
      .value("warn", LogLevel::kWarn)
      .value("error", LogLevel::kError)
      .value("critical", LogLevel::kCritical)
      .value("off", LogLevel::kOff);
}

void describe(EnumSchema<LogFormat>& e) {
  e.value("text", LogFormat::kText).value("json", LogFormat::kJson);
}

void describe(Schema<LogConfig>& s) {
  s.field("level", &LogConfig::level,
          "Least severe message stitchd writes about itself; `off` silences it.");
  s.field("format", &LogConfig::format,
          "`text`: one readable line per message; `json`: one JSON object per line "
          "(time, level, msg), for log shippers.");
  s.field("warning_interval", &LogConfig::warning_interval,
          "A warning that keeps repeating (a full queue, a failing exporter) is written at most "
          "once per interval, with the count of repeats it stands for; 0s writes every one.");
}

void describe(Schema<RuntimeConfig>& s) {
  s.field("log", &RuntimeConfig::log, "How stitchd logs about itself (not the logs it collects).");
  s.field("shutdown_timeout", &RuntimeConfig::shutdown_timeout,
          "On SIGTERM or SIGINT, how long stitchd waits for queues to drain and exporters to "
          "flush before it exits anyway.")
      .min(1ms);
}

void describeRuntimeSection(Schema<StitchConfig>& s) {
  s.embed(&StitchConfig::runtime);
}

}  // namespace stitch::config
