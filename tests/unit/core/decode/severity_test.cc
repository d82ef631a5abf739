#include "core/decode/severity.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::decode;

TEST_CASE("Level names map to OpenTelemetry severity numbers, ignoring case",
          "[decode][severity]") {
  const auto sample = GENERATE(
      as<std::pair<std::string, int>>{}, std::pair{"trace", 1}, std::pair{"TRACE", 1},
      std::pair{"debug", 5}, std::pair{"Debug", 5}, std::pair{"info", 9}, std::pair{"INFO", 9},
      std::pair{"Information", 9}, std::pair{"notice", 10}, std::pair{"warn", 13},
      std::pair{"WARNING", 13}, std::pair{"error", 17}, std::pair{"ERR", 17},
      std::pair{"fatal", 21}, std::pair{"CRITICAL", 21}, std::pair{"panic", 21},
      std::pair{"silly", 1}, std::pair{"verbose", 1}, std::pair{"INFO2", 10},
      std::pair{"warn4", 16}, std::pair{"SEVERITY_NUMBER_ERROR3", 19},
      std::pair{"SEVERITY_NUMBER_TRACE", 1}, std::pair{"loud", 0}, std::pair{"", 0},
      std::pair{"info5", 0}, std::pair{"SEVERITY_NUMBER_", 0});
  CAPTURE(sample.first);
  CHECK(severityFromText(sample.first) == sample.second);
}

TEST_CASE("pino and bunyan level numbers map to severity ranges", "[decode][severity]") {
  CHECK(severityFromLevelNumber(10) == kSeverityTrace);
  CHECK(severityFromLevelNumber(20) == kSeverityDebug);
  CHECK(severityFromLevelNumber(30) == kSeverityInfo);
  CHECK(severityFromLevelNumber(35) == kSeverityInfo);
  CHECK(severityFromLevelNumber(40) == kSeverityWarn);
  CHECK(severityFromLevelNumber(50) == kSeverityError);
  CHECK(severityFromLevelNumber(60) == kSeverityFatal);
  CHECK(severityFromLevelNumber(100) == kSeverityFatal);
  CHECK(severityFromLevelNumber(9) == 0);
  CHECK(severityFromLevelNumber(-30) == 0);
}
