#include "core/decode/number.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::decode;

TEST_CASE("isJsonNumber follows RFC 8259's grammar", "[decode][number]") {
  for (const std::string ok : {"0", "-0", "1", "-1", "10", "1.5", "0.001", "1e5", "1E+5", "1e-5",
                               "-1.25e10", "123456789012345678901234567890"}) {
    CAPTURE(ok);
    CHECK(isJsonNumber(ok));
  }
  for (const std::string bad : {"", "-", "01", "-01", "1.", ".5", "1e", "1e+", "+1", "0x10",
                                "1.5.5", "NaN", "Infinity", "1 ", " 1", "1_000"}) {
    CAPTURE(bad);
    CHECK_FALSE(isJsonNumber(bad));
  }
}

TEST_CASE("scaleDecimal converts exactly and truncates toward zero", "[decode][number]") {
  CHECK(scaleDecimal("116.797", 1'000'000) == 116'797'000);
  CHECK(scaleDecimal("0.001", 1'000'000) == 1000);
  CHECK(scaleDecimal("12.3456789", 1'000'000) == 12'345'678);
  CHECK(scaleDecimal("1714564800.123456789", 1'000'000'000) == 1'714'564'800'123'456'789);
  CHECK(scaleDecimal("1.5e3", 1) == 1500);
  CHECK(scaleDecimal("15e-1", 1) == 1);
  CHECK(scaleDecimal("-2.5", 1000) == -2500);
  CHECK(scaleDecimal("-0.0001", 1) == 0);
  CHECK(scaleDecimal("9223372036854775807", 1) == INT64_MAX);
  CHECK(scaleDecimal("-9223372036854775808", 1) == INT64_MIN);
  CHECK(scaleDecimal("0.0000000000000000000000000000000000000001", 1'000'000'000) == 0);
  CHECK(scaleDecimal("1e-400", 1) == 0);
}

TEST_CASE("scaleDecimal rejects non-numbers and results beyond int64", "[decode][number]") {
  CHECK_FALSE(scaleDecimal("9223372036854775808", 1));
  CHECK_FALSE(scaleDecimal("9223372036854775.808", 1000));
  CHECK_FALSE(scaleDecimal("1e300", 1'000'000));
  CHECK_FALSE(scaleDecimal("1e400", 1));
  CHECK_FALSE(scaleDecimal("123456789012345678901234567890", 1));
  CHECK_FALSE(scaleDecimal("abc", 1));
  CHECK_FALSE(scaleDecimal("1.", 1));
  CHECK_FALSE(scaleDecimal("", 1));
}

TEST_CASE("parseUnsignedDecimal covers the whole uint64 range and nothing else",
          "[decode][number]") {
  CHECK(parseUnsignedDecimal("0") == 0U);
  CHECK(parseUnsignedDecimal("007") == 7U);
  CHECK(parseUnsignedDecimal("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parseUnsignedDecimal("18446744073709551616"));
  CHECK_FALSE(parseUnsignedDecimal("99999999999999999999"));
  CHECK_FALSE(parseUnsignedDecimal("-1"));
  CHECK_FALSE(parseUnsignedDecimal("1.0"));
  CHECK_FALSE(parseUnsignedDecimal(""));
}
