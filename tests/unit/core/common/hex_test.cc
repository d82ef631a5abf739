#include "core/common/hex.h"

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include <catch2/catch.hpp>

using namespace stitch;

namespace {

// The obvious digit-by-digit decoder, to hold the 8-at-a-time one to.
bool referenceDecode(const std::string& text, std::uint64_t& out) {
  out = 0;
  for (const char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    }
    if (digit < 0) {
      return false;
    }
    out = (out << 4) | static_cast<std::uint64_t>(digit);
  }
  return true;
}

}  // namespace

TEST_CASE(
    "hex::decodeU64 and its portable path agree with a digit-by-digit decoder for every byte at "
    "every position",
    "[hex]") {
  const std::string base = "0123456789abcdef";
  for (std::size_t position = 0; position < 16; ++position) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = base;
      text[position] = static_cast<char>(byte);
      std::uint64_t expected = 0;
      std::uint64_t actual = 0;
      std::uint64_t portable = 0;
      const bool expected_ok = referenceDecode(text, expected);
      const bool actual_ok = hex::decodeU64(text.data(), actual);  // SSE2 on x86-64
      const bool portable_ok = hex::detail::decode16Portable(text.data(), portable);
      CAPTURE(position, byte);
      REQUIRE(actual_ok == expected_ok);
      REQUIRE(portable_ok == expected_ok);
      if (expected_ok) {
        REQUIRE(actual == expected);
        REQUIRE(portable == expected);
      }
    }
  }
}

TEST_CASE("hex::decodeU64 rejects uppercase digits", "[hex]") {
  std::uint64_t value = 0;
  CHECK_FALSE(hex::decodeU64("00F067AA0BA902B7", value));
  CHECK(hex::decodeU64("00f067aa0ba902b7", value));
  CHECK(value == 0x00f067aa0ba902b7ULL);
}

TEST_CASE("hex::encodeU64 and its portable path write the same digits as printf", "[hex]") {
  std::mt19937_64 random(42);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t edges[] = {0, 1, ~std::uint64_t{0}};
    const std::uint64_t value = i < 3 ? edges[i] : random();
    char expected[17];
    std::snprintf(expected, sizeof(expected), "%016llx", static_cast<unsigned long long>(value));
    char actual[16];
    hex::encodeU64(value, actual);
    REQUIRE(std::string(actual, 16) == expected);
    hex::detail::encode16Portable(value, actual);
    REQUIRE(std::string(actual, 16) == expected);
    std::uint64_t back = 0;
    REQUIRE(hex::decodeU64(actual, back));
    REQUIRE(back == value);
  }
}

TEST_CASE("hex::decodeU8 and encodeU8 round-trip every byte and reject non-digits", "[hex]") {
  for (int byte = 0; byte < 256; ++byte) {
    char text[2];
    hex::encodeU8(static_cast<std::uint8_t>(byte), text);
    std::uint8_t back = 0;
    REQUIRE(hex::decodeU8(text, back));
    REQUIRE(back == byte);
  }
  std::uint8_t value = 0;
  CHECK_FALSE(hex::decodeU8("0A", value));
  CHECK_FALSE(hex::decodeU8("g0", value));
  CHECK_FALSE(hex::decodeU8("0\x80", value));
}
