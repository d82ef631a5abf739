#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.h"

namespace stitch::query {

// RFC 3339 in UTC with as many fractional digits as needed, none for whole seconds (Go's
// RFC3339Nano, what Jaeger and most tools print): "2023-11-14T22:13:20.05Z".
std::string formatRfc3339(TimestampNs ns);

// A time given by a user or a client: RFC 3339 ("2023-11-14T22:13:20Z", any offset, up to 9
// fractional digits) or a number since the Unix epoch whose unit follows from its size:
// seconds below 1e11 (fractions allowed: "1700000000.5"), then milliseconds below 1e14,
// microseconds below 1e17, nanoseconds above. nullopt when it is neither.
std::optional<TimestampNs> parseTime(std::string_view text);

// A duration in Go's syntax, which Jaeger's API uses: a sequence of decimal numbers with a unit
// each ("250ms", "1.5s", "1h30m", "100us" or "100µs"; units ns, us, µs, ms, s, m, h), or "0".
// With `allow_days`, "d" (24h) is accepted too (Jaeger UI's lookback values). No sign.
std::optional<std::int64_t> parseDuration(std::string_view text, bool allow_days = false);

// A short human duration for the terminal: "850ns", "12.5µs", "1.2ms", "60ms", "1.25s",
// "2m05s", "1h02m". At most three significant digits below a minute.
std::string formatDurationShort(std::int64_t ns);

// Milliseconds as a JSON number with no more digits than the nanoseconds carry ("60", "0.125").
double nanosToMillis(std::int64_t ns) noexcept;

}  // namespace stitch::query
