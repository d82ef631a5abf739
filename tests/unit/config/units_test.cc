#include "config/units.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using stitch::config::formatByteSize;
using stitch::config::formatDuration;
using stitch::config::parseByteSize;
using stitch::config::parseDuration;

TEST_CASE("parseDuration reads every unit, fractions and compound durations", "[config][units]") {
  const auto [text, expected] = GENERATE(table<std::string, std::chrono::nanoseconds>({
      {"100ns", 100ns},
      {"500us", 500us},
      {"500\xC2\xB5s", 500us},
      {"250ms", 250ms},
      {"10s", 10s},
      {"1.5s", 1500ms},
      {".5s", 500ms},
      {"5m", 5min},
      {"1h", 1h},
      {"1h30m", 90min},
      {"2m3s4ms", 123004ms},
      {"0s", 0ns},
      {"0.000000001s", 1ns},
      {"1.250000000000000000000s", 1250ms},
      {"9223372036854775807ns", std::chrono::nanoseconds::max()},
  }));
  CAPTURE(text);
  const auto parsed = parseDuration(text);
  REQUIRE(parsed);
  CHECK(parsed.value() == expected);
}

TEST_CASE("parseDuration rejects what is not a duration with a message saying why",
          "[config][units]") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"ten", "expected a duration like 250ms, got \"ten\""},
      {"", "expected a duration like 250ms, got \"\""},
      {"10",
       "expected a duration like 250ms, got \"10\"; a bare number has no unit: write 10s or "
       "10ms"},
      {"1.5",
       "expected a duration like 250ms, got \"1.5\"; a bare number has no unit: write "
       "1.5s or 1.5ms"},
      {"10 s",
       "expected a duration like 250ms, got \"10 s\"; unknown unit \" s\" (units: ns, us, "
       "ms, s, m, h)"},
      {"10d",
       "expected a duration like 250ms, got \"10d\"; unknown unit \"d\" (units: ns, us, ms, "
       "s, m, h)"},
      {"1h30",
       "expected a duration like 250ms, got \"1h30\"; \"30\" has no unit (units: ns, us, "
       "ms, s, m, h)"},
      {"-5s", "must not be negative, got \"-5s\""},
      {"0.5ns", "must be a whole number of nanoseconds, got \"0.5ns\""},
      {"1.0000000000000000001s",
       "must be a whole number of nanoseconds, got "
       "\"1.0000000000000000001s\""},
      {"9223372036854775808ns", "too long: at most about 292 years, got \"9223372036854775808ns\""},
      {"3000000h", "too long: at most about 292 years, got \"3000000h\""},
      {"99999999999999999999999h",
       "too long: at most about 292 years, got "
       "\"99999999999999999999999h\""},
  }));
  CAPTURE(text);
  const auto parsed = parseDuration(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == message);
}

TEST_CASE("formatDuration writes the largest exact unit and parses back", "[config][units]") {
  const auto [value, text] = GENERATE(table<std::chrono::nanoseconds, std::string>({
      {0ns, "0s"},
      {30s, "30s"},
      {90s, "90s"},
      {250ms, "250ms"},
      {1500ms, "1500ms"},
      {5min, "5m"},
      {2h, "2h"},
      {1us, "1us"},
      {7ns, "7ns"},
      {std::chrono::nanoseconds::max(), "9223372036854775807ns"},
  }));
  CHECK(formatDuration(value) == text);
  const auto back = parseDuration(text);
  REQUIRE(back);
  CHECK(back.value() == value);
}

TEST_CASE("parseByteSize reads binary and decimal units and plain bytes", "[config][units]") {
  const auto [text, expected] = GENERATE(table<std::string, std::uint64_t>({
      {"0", 0},
      {"65536", 65536},
      {"512B", 512},
      {"64KiB", 64 * 1024},
      {"256MiB", 256ULL << 20},
      {"1GiB", 1ULL << 30},
      {"2TiB", 2ULL << 40},
      {"10MB", 10'000'000},
      {"10kB", 10'000},
      {"10KB", 10'000},
      {"1gb", 1'000'000'000},
      {"64 KiB", 64 * 1024},
      {"1.5KiB", 1536},
      {"0.5MB", 500'000},
      {"18446744073709551615", std::numeric_limits<std::uint64_t>::max()},
  }));
  CAPTURE(text);
  const auto parsed = parseByteSize(text);
  REQUIRE(parsed);
  CHECK(parsed.value() == expected);
}

TEST_CASE("parseByteSize rejects what is not a size", "[config][units]") {
  const auto [text, message] = GENERATE(table<std::string, std::string>({
      {"big", "expected a size like 64KiB, got \"big\""},
      {"", "expected a size like 64KiB, got \"\""},
      {"64K",
       "expected a size like 64KiB, got \"64K\"; \"K\" is ambiguous: write KiB, MiB, GiB "
       "(1024) or kB, MB, GB (1000)"},
      {"64Kb/s",
       "expected a size like 64KiB, got \"64Kb/s\"; unknown unit \"Kb/s\" (units: B, "
       "KiB, MiB, GiB, TiB, kB, MB, GB, TB)"},
      {"-1", "must not be negative, got \"-1\""},
      {"1.5B", "must be a whole number of bytes, got \"1.5B\""},
      {"18446744073709551616", "too large: at most 16EiB, got \"18446744073709551616\""},
      {"16777216TiB", "too large: at most 16EiB, got \"16777216TiB\""},
  }));
  CAPTURE(text);
  const auto parsed = parseByteSize(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == message);
}

TEST_CASE("formatByteSize prefers binary units, then decimal, then bytes", "[config][units]") {
  const auto [value, text] = GENERATE(table<std::uint64_t, std::string>({
      {0, "0B"},
      {512, "512B"},
      {1024, "1KiB"},
      {1536, "1536B"},
      {64 * 1024, "64KiB"},
      {256ULL << 20, "256MiB"},
      {1ULL << 30, "1GiB"},
      {10'000'000, "10MB"},
      {1000, "1kB"},
  }));
  CHECK(formatByteSize(value) == text);
  const auto back = parseByteSize(text);
  REQUIRE(back);
  CHECK(back.value() == value);
}
