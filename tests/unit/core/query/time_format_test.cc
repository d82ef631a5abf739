#include "core/query/time_format.h"

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::query;

TEST_CASE("formatRfc3339 prints UTC with only the fractional digits needed", "[query]") {
  CHECK(formatRfc3339(1'700'000'000'000'000'000) == "2023-11-14T22:13:20Z");
  CHECK(formatRfc3339(1'700'000'000'050'000'000) == "2023-11-14T22:13:20.05Z");
  CHECK(formatRfc3339(1'700'000'000'000'000'001) == "2023-11-14T22:13:20.000000001Z");
  CHECK(formatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(formatRfc3339(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(formatRfc3339(951'782'400'000'000'000) == "2000-02-29T00:00:00Z");
}

TEST_CASE("parseTime reads RFC 3339 and epoch numbers of any common unit", "[query]") {
  const TimestampNs t = 1'700'000'000'000'000'000;
  CHECK(parseTime("2023-11-14T22:13:20Z") == t);
  CHECK(parseTime("2023-11-14T22:13:20.5Z") == t + 500'000'000);
  CHECK(parseTime("2023-11-14T22:13:20.123456789Z") == t + 123'456'789);
  CHECK(parseTime("2023-11-14T23:13:20+01:00") == t);
  CHECK(parseTime("2023-11-14T21:13:20-01:00") == t);
  CHECK(parseTime("1700000000") == t);
  CHECK(parseTime("1700000000.25") == t + 250'000'000);
  CHECK(parseTime("1700000000000") == t);
  CHECK(parseTime("1700000000000000") == t);
  CHECK(parseTime("1700000000000000000") == t);
  CHECK(parseTime("0") == 0);
}

TEST_CASE("parseTime rejects what is not a time", "[query]") {
  const auto text =
      GENERATE(as<std::string>{}, "", "yesterday", "2023-11-14", "2023-13-14T22:13:20Z",
               "2023-02-30T22:13:20Z", "2023-11-14T25:13:20Z", "2023-11-14T22:13:20",
               "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20.1234567890Z",
               "2023-11-14T22:13:20Zjunk", "-5", "17e8", "1700000000000.5", "12ab");
  CAPTURE(text);
  CHECK_FALSE(parseTime(text));
}

TEST_CASE("parseDuration follows Go's duration syntax", "[query]") {
  CHECK(parseDuration("250ms") == 250'000'000);
  CHECK(parseDuration("1.5s") == 1'500'000'000);
  CHECK(parseDuration("1h30m") == 5'400'000'000'000);
  CHECK(parseDuration("100us") == 100'000);
  CHECK(parseDuration("100\xc2\xb5s") == 100'000);
  CHECK(parseDuration("7ns") == 7);
  CHECK(parseDuration("2m") == 120'000'000'000);
  CHECK(parseDuration("0") == 0);
  CHECK(parseDuration(".5s") == 500'000'000);
  CHECK(parseDuration("2d", true) == 172'800'000'000'000);
  const auto bad = GENERATE(as<std::string>{}, "", "5", "ms", "1.2.3s", "-1s", "1d", "5 ms", "1sm",
                            "abc", "1e3ms");
  CAPTURE(bad);
  CHECK_FALSE(parseDuration(bad));
}

TEST_CASE("formatDurationShort keeps three significant digits and a fitting unit", "[query]") {
  CHECK(formatDurationShort(850) == "850ns");
  CHECK(formatDurationShort(12'500) == "12.5\xc2\xb5s");
  CHECK(formatDurationShort(1'200'000) == "1.2ms");
  CHECK(formatDurationShort(60'000'000) == "60ms");
  CHECK(formatDurationShort(200'000'000) == "200ms");
  CHECK(formatDurationShort(1'250'000'000) == "1.25s");
  CHECK(formatDurationShort(125'000'000'000) == "2m05s");
  CHECK(formatDurationShort(3'720'000'000'000) == "1h02m");
  CHECK(formatDurationShort(-5'000'000) == "-5ms");
}
