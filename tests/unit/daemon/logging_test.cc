#include "daemon/logging.h"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <spdlog/details/log_msg.h>

using stitch::daemon::makeJsonFormatter;

TEST_CASE("The JSON log format writes one escaped object per line", "[daemon][logging]") {
  auto formatter = makeJsonFormatter();
  spdlog::details::log_msg msg("stitchd", spdlog::level::warn, "queue \"ingest\" full\n");
  msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  CHECK(std::string(out.data(), out.size()) ==
        "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\",\"msg\":\"queue \\\"ingest\\\" "
        "full\\n\"}\n");
}

TEST_CASE("Log levels map onto spdlog's", "[daemon][logging]") {
  using stitch::runtime::LogLevel;
  CHECK(stitch::daemon::toSpdlogLevel(LogLevel::kWarn) == spdlog::level::warn);
  CHECK(stitch::daemon::toSpdlogLevel(LogLevel::kOff) == spdlog::level::off);
  CHECK(stitch::daemon::toSpdlogLevel(LogLevel::kTrace) == spdlog::level::trace);
}
