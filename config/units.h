#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace stitch::config {

// Parses a duration: one or more <number><unit> parts, Go-style ("250ms", "1.5s", "1h30m"),
// units ns, us (or µs), ms, s, m, h. A bare number is rejected (which unit would it be?), as
// are signs, spaces and anything finer than a nanosecond. The error is a full message for the
// user: `expected a duration like 250ms, got "ten"`.
Result<std::chrono::nanoseconds, std::string> parseDuration(std::string_view text);

// The shortest exact spelling with one unit, which parseDuration reads back: 30s, 250ms, 5m,
// 90s, 1500us; 0 is "0s". Negative durations are spelled with a leading '-'.
std::string formatDuration(std::chrono::nanoseconds value);

// Parses a byte size: a plain integer (bytes) or <number>[ ]<unit> with binary units KiB, MiB,
// GiB, TiB (powers of 1024), decimal units kB, MB, GB, TB (powers of 1000) and B; units are
// case-insensitive. Fractions are allowed when the result is a whole number of bytes
// ("1.5KiB" = 1536). Bare K/M/G are rejected as ambiguous.
Result<std::uint64_t, std::string> parseByteSize(std::string_view text);

// The shortest exact spelling: 64KiB, 256MiB, 1GiB, 10MB, 512B, 0B.
std::string formatByteSize(std::uint64_t bytes);

}  // namespace stitch::config
