#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stitch::hex {

// Value of a lowercase hex digit, or 0xff for anything else (uppercase included: W3C Trace
// Context allows lowercase hex only, and so does every id parser built on this table).
inline constexpr std::array<std::uint8_t, 256> kLowerDigitValue = [] {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) {
    v = 0xff;
  }
  for (int c = '0'; c <= '9'; ++c) {
    table[c] = static_cast<std::uint8_t>(c - '0');
  }
  for (int c = 'a'; c <= 'f'; ++c) {
    table[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  }
  return table;
}();

inline constexpr char kLowerDigits[] = "0123456789abcdef";

// Decodes exactly 16 lowercase hex digits at `in` into a big-endian 64-bit value.
// Returns false (and leaves `out` unspecified) on any other character.
inline bool decodeU64(const char* in, std::uint64_t& out) noexcept {
  std::uint64_t value = 0;
  std::uint8_t bad = 0;
  for (int i = 0; i < 16; ++i) {
    const std::uint8_t d = kLowerDigitValue[static_cast<unsigned char>(in[i])];
    bad |= d;  // 0xff has bit 7 set; valid digits never do
    value = (value << 4) | (d & 0x0f);
  }
  out = value;
  return (bad & 0x80) == 0;
}

// Decodes two lowercase hex digits; false on any other character.
inline bool decodeU8(const char* in, std::uint8_t& out) noexcept {
  const std::uint8_t hi = kLowerDigitValue[static_cast<unsigned char>(in[0])];
  const std::uint8_t lo = kLowerDigitValue[static_cast<unsigned char>(in[1])];
  out = static_cast<std::uint8_t>((hi << 4) | (lo & 0x0f));
  return ((hi | lo) & 0x80) == 0;
}

// Writes 16 lowercase hex digits for `value` (big-endian) at `out`.
inline void encodeU64(std::uint64_t value, char* out) noexcept {
  for (int i = 15; i >= 0; --i) {
    out[i] = kLowerDigits[value & 0x0f];
    value >>= 4;
  }
}

inline void encodeU8(std::uint8_t value, char* out) noexcept {
  out[0] = kLowerDigits[value >> 4];
  out[1] = kLowerDigits[value & 0x0f];
}

}  // namespace stitch::hex
