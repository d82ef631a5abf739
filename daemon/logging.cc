#include "daemon/logging.h"

#include <chrono>
#include <ctime>
#include <string>

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/common/json_writer.h"

namespace stitch::daemon {
namespace {

const char* levelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

class JsonFormatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(64 + msg.payload.size());
    line += R"({"time":")";
    const auto since_epoch = msg.time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    gmtime_r(&t, &utc);
    char stamp[40];
    const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    line.append(stamp, n);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
    line += fraction;
    line += R"(","level":")";
    line += levelName(msg.level);
    line += R"(","msg":)";
    json::appendString(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

spdlog::level::level_enum toSpdlogLevel(runtime::LogLevel level) {
  switch (level) {
    case runtime::LogLevel::kTrace:
      return spdlog::level::trace;
    case runtime::LogLevel::kDebug:
      return spdlog::level::debug;
    case runtime::LogLevel::kInfo:
      return spdlog::level::info;
    case runtime::LogLevel::kWarn:
      return spdlog::level::warn;
    case runtime::LogLevel::kError:
      return spdlog::level::err;
    case runtime::LogLevel::kCritical:
      return spdlog::level::critical;
    case runtime::LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::unique_ptr<spdlog::formatter> makeJsonFormatter() {
  return std::make_unique<JsonFormatter>();
}

std::unique_ptr<spdlog::formatter> makeTextFormatter() {
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v",
                                                     spdlog::pattern_time_type::utc);
}

void configureLogging(const runtime::LogConfig& config) {
  // stdout may carry records (an exporter of type stdout): stitchd's own log goes to stderr.
  static const bool on_stderr = [] {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "stitchd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
    return true;
  }();
  (void)on_stderr;
  spdlog::set_level(toSpdlogLevel(config.level));
  spdlog::set_formatter(config.format == runtime::LogFormat::kJson ? makeJsonFormatter()
                                                                   : makeTextFormatter());
}

}  // namespace stitch::daemon
