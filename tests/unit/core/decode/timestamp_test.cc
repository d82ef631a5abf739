#include "core/decode/timestamp.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::decode;

namespace {
constexpr TimestampNs kMay1Noon = 1'714'564'800'000'000'000;  // 2024-05-01T12:00:00Z
}

TEST_CASE("parseRfc3339 reads the forms loggers write", "[decode][timestamp]") {
  const auto sample = GENERATE(
      as<std::pair<std::string, TimestampNs>>{}, std::pair{"2024-05-01T12:00:00Z", kMay1Noon},
      std::pair{"2024-05-01t12:00:00z", kMay1Noon}, std::pair{"2024-05-01 12:00:00Z", kMay1Noon},
      std::pair{"2024-05-01T12:00:00", kMay1Noon},  // no offset: UTC
      std::pair{"2024-05-01T12:00:00.1Z", kMay1Noon + 100'000'000},
      std::pair{"2024-05-01T12:00:00,250Z", kMay1Noon + 250'000'000},
      std::pair{"2024-05-01T12:00:00.000000001Z", kMay1Noon + 1},
      std::pair{"2024-05-01T12:00:00.9999999999Z", kMay1Noon + 999'999'999},
      std::pair{"2024-05-01T14:30:00+02:30", kMay1Noon},
      std::pair{"2024-05-01T09:00:00-03:00", kMay1Noon},
      std::pair{"2024-05-01T14:00:00+0200", kMay1Noon},
      std::pair{"2024-05-01T14:00:00+02", kMay1Noon},
      std::pair{"2016-12-31T23:59:60Z", 1'483'228'800 * kNanosPerSecond},  // leap second
      std::pair{"2024-02-29T23:59:59Z", 1'709'251'199 * kNanosPerSecond},
      std::pair{"1970-01-01T00:00:00Z", TimestampNs{0}},
      std::pair{"1969-12-31T23:59:59Z", -kNanosPerSecond});
  CAPTURE(sample.first);
  const auto parsed = parseRfc3339(sample.first);
  REQUIRE(parsed);
  CHECK(*parsed == sample.second);
}

TEST_CASE("parseRfc3339 rejects malformed and out-of-range values", "[decode][timestamp]") {
  const auto text =
      GENERATE(as<std::string>{}, "", "2024-05-01", "2024-05-01T12:00Z", "2024-5-01T12:00:00Z",
               "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00ZZ", "2024-05-01T12:00:00+25:00",
               "2024-05-01T12:00:00+02:60", "2024-05-01T12:00:00+2", "2024-00-01T12:00:00Z",
               "2024-04-31T12:00:00Z", "2023-02-29T12:00:00Z", "2024-05-01T24:00:00Z",
               "2024-05-01T12:60:00Z", "2024-05-01T12:00:61Z", "2024-05-01X12:00:00Z",
               "2024-05-01T12:00:00 Z", "2263-01-01T00:00:00Z", "1677-01-01T00:00:00Z",
               "２０２４-05-01T12:00:00Z");
  CAPTURE(text);
  CHECK_FALSE(parseRfc3339(text));
}

TEST_CASE("parseEpoch tells seconds, milliseconds, microseconds and nanoseconds apart",
          "[decode][timestamp]") {
  CHECK(parseEpoch("1714564800", EpochUnit::kAuto) == kMay1Noon);
  CHECK(parseEpoch("1714564800.123456789", EpochUnit::kAuto) == kMay1Noon + 123'456'789);
  CHECK(parseEpoch("1714564800123", EpochUnit::kAuto) == kMay1Noon + 123'000'000);
  CHECK(parseEpoch("1714564800123.5", EpochUnit::kAuto) == kMay1Noon + 123'500'000);
  CHECK(parseEpoch("1714564800123456", EpochUnit::kAuto) == kMay1Noon + 123'456'000);
  CHECK(parseEpoch("1714564800123456789", EpochUnit::kAuto) == kMay1Noon + 123'456'789);
  CHECK(parseEpoch("1.714564800123e9", EpochUnit::kAuto) == kMay1Noon + 123'000'000);
  // Below 10^11 is seconds (9000000000 s is year 2255; 99999999999 s would be year 5138,
  // beyond int64 nanoseconds); 10^11 and up are milliseconds.
  CHECK(parseEpoch("9000000000", EpochUnit::kAuto) == 9'000'000'000 * kNanosPerSecond);
  CHECK_FALSE(parseEpoch("99999999999", EpochUnit::kAuto));
  CHECK(parseEpoch("100000000000", EpochUnit::kAuto) == 100'000'000'000 * kNanosPerMilli);
  // A fixed unit is not guessed.
  CHECK(parseEpoch("1714564800", EpochUnit::kNanos) == 1'714'564'800);
  CHECK(parseEpoch("1714564800", EpochUnit::kMillis) == 1'714'564'800 * kNanosPerMilli);
}

TEST_CASE("parseEpoch rejects zero, negatives, non-numbers and overflow", "[decode][timestamp]") {
  const auto text = GENERATE(as<std::string>{}, "0", "-1", "-1714564800", "abc", "", "1e30",
                             "9223372036854775808", "12x", "0x10", "+1714564800");
  CAPTURE(text);
  CHECK_FALSE(parseEpoch(text, EpochUnit::kAuto));
}

TEST_CASE("parseTimestampString reads digits as epoch and the rest as RFC 3339",
          "[decode][timestamp]") {
  CHECK(parseTimestampString("1714564800123456789", EpochUnit::kAuto) == kMay1Noon + 123'456'789);
  CHECK(parseTimestampString("1714564800.5", EpochUnit::kAuto) == kMay1Noon + 500'000'000);
  CHECK(parseTimestampString("2024-05-01T12:00:00Z", EpochUnit::kAuto) == kMay1Noon);
  CHECK(parseTimestampString("2024", EpochUnit::kAuto) == 2024 * kNanosPerSecond);
}

TEST_CASE("daysFromCivil agrees with known dates", "[decode][timestamp]") {
  CHECK(daysFromCivil(1970, 1, 1) == 0);
  CHECK(daysFromCivil(2000, 3, 1) == 11017);
  CHECK(daysFromCivil(1969, 12, 31) == -1);
  CHECK(daysFromCivil(2024, 5, 1) == 19844);
}
