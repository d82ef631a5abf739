#pragma once

#include <cstdint>
#include <string_view>

namespace stitch::decode {

// OpenTelemetry SeverityNumber values of each range's first step.
inline constexpr std::uint8_t kSeverityTrace = 1;
inline constexpr std::uint8_t kSeverityDebug = 5;
inline constexpr std::uint8_t kSeverityInfo = 9;
inline constexpr std::uint8_t kSeverityWarn = 13;
inline constexpr std::uint8_t kSeverityError = 17;
inline constexpr std::uint8_t kSeverityFatal = 21;

// The SeverityNumber (1..24) of a level name as loggers write it, case-insensitively; 0 when
// unknown. trace/verbose/silly/finest 1, debug/fine 5, info/information/informational/http 9,
// notice 10, warn/warning 13, error/err/severe 17, fatal/critical/crit/alert/emerg/emergency/
// panic 21. OpenTelemetry's own names ("INFO2", "SEVERITY_NUMBER_WARN", "WARN3") map to their
// exact numbers.
std::uint8_t severityFromText(std::string_view text) noexcept;

// The SeverityNumber of a numeric level as pino and bunyan write it: 10 trace, 20 debug,
// 30 info, 40 warn, 50 error, 60 fatal (values between round down to the range; 60 and above
// are fatal). 0 below 10 (no logger convention to follow there).
std::uint8_t severityFromLevelNumber(std::int64_t level) noexcept;

}  // namespace stitch::decode
