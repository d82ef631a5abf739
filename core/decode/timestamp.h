#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/common/clock.h"

namespace stitch::decode {

// The unit of an epoch number. kAuto tells them apart by magnitude of the integer part:
// below 10^11 seconds (until year 5138), below 10^14 milliseconds (from 1973), below 10^17
// microseconds (from 1973), otherwise nanoseconds (from 1973).
enum class EpochUnit : std::uint8_t { kAuto = 0, kSeconds, kMillis, kMicros, kNanos };

// Parses an RFC 3339 date-time to nanoseconds since the epoch: "2024-05-01T12:00:00Z",
// any number of fraction digits (kept to the nanosecond, further digits truncated), 'Z' or a
// "+hh:mm"/"-hh:mm" offset. Also accepted, because loggers write them: 't'/'z' in lowercase,
// ' ' instead of 'T', ',' instead of '.', offsets "+hhmm" and "+hh", and no offset at all (read
// as UTC). Leap second 60 is read as the next second's first instant. nullopt when malformed,
// when a field is out of range (month 13, Feb 30) or outside int64 nanoseconds (1677..2262).
// Never allocates.
std::optional<TimestampNs> parseRfc3339(std::string_view text) noexcept;

// Parses a JSON number or a string of one ("1714564800", "1714564800.123", "1.7e9") as time
// since the epoch in `unit`. Zero and negative values are rejected (nullopt), as are values
// outside int64 nanoseconds.
std::optional<TimestampNs> parseEpoch(std::string_view number, EpochUnit unit) noexcept;

// A timestamp given as a JSON string: a number in a string (OTLP's timeUnixNano is one) is
// parsed as parseEpoch(), anything else as parseRfc3339().
std::optional<TimestampNs> parseTimestampString(std::string_view text, EpochUnit unit) noexcept;

// Days since 1970-01-01 of a proleptic Gregorian date (no range checks).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) noexcept;

}  // namespace stitch::decode
