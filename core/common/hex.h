#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// The 8-chars-at-a-time (SWAR) helpers below treat a 64-bit word as 8 byte lanes: the ids of
// every record pass through here, and a byte loop with a table lookup per char costs about
// three times as much. Byte lane i of a word always holds char i of the text.
namespace detail {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kHighBits = kOnes * 0x80;

inline std::uint64_t load8(const char* in) noexcept {
  std::uint64_t word;
  std::memcpy(&word, in, sizeof(word));
  if constexpr (std::endian::native == std::endian::big) {
    word = __builtin_bswap64(word);
  }
  return word;
}

inline void store8(std::uint64_t word, char* out) noexcept {
  if constexpr (std::endian::native == std::endian::big) {
    word = __builtin_bswap64(word);
  }
  std::memcpy(out, &word, sizeof(word));
}

// Decodes 8 lowercase hex chars into their 32-bit big-endian value. Returns false on any other
// byte (uppercase, non-ASCII, NUL...). Branch-free until the caller tests the result.
inline bool decode8(const char* in, std::uint32_t& out) noexcept {
  const std::uint64_t word = load8(in);
  // With the top bit of each lane cleared, adding (0x80 - lo) sets it exactly when the byte is
  // >= lo, and no lane can carry into the next: the bytes stay below 0x80 + 0x50.
  const std::uint64_t low7 = word & ~kHighBits;
  const std::uint64_t at_least_0 = low7 + kOnes * (0x80 - '0');
  const std::uint64_t above_9 = low7 + kOnes * (0x7f - '9');
  const std::uint64_t at_least_a = low7 + kOnes * (0x80 - 'a');
  const std::uint64_t above_f = low7 + kOnes * (0x7f - 'f');
  const std::uint64_t letters = at_least_a & ~above_f & kHighBits;
  const std::uint64_t good = ((at_least_0 & ~above_9) | letters) & ~word & kHighBits;

  // '0'..'9' are 0x30..0x39 and 'a'..'f' are 0x61..0x66: the low nibble is the value for a
  // digit and the value - 9 for a letter.
  std::uint64_t nibbles = (word & (kOnes * 0x0f)) + (letters >> 7) * 9;
  // Pairs of lanes -> one byte (first char is the high nibble), then the 4 bytes -> 32 bits.
  nibbles = ((nibbles & 0x00ff00ff00ff00ffULL) << 4) | ((nibbles >> 8) & 0x00ff00ff00ff00ffULL);
  nibbles = (nibbles | (nibbles >> 8)) & 0x0000ffff0000ffffULL;
  nibbles = (nibbles | (nibbles >> 16)) & 0xffffffffULL;
  out = __builtin_bswap32(static_cast<std::uint32_t>(nibbles));
  return good == kHighBits;
}

// Writes the 8 lowercase hex chars of `value` (big-endian) at `out`.
inline void encode8(std::uint32_t value, char* out) noexcept {
  // Byte k of the big-endian value goes to lane 2k, then its nibbles to lanes 2k and 2k+1.
  std::uint64_t lanes = __builtin_bswap32(value);
  lanes = (lanes | (lanes << 16)) & 0x0000ffff0000ffffULL;
  lanes = (lanes | (lanes << 8)) & 0x00ff00ff00ff00ffULL;
  lanes = ((lanes >> 4) & 0x000f000f000f000fULL) | ((lanes & 0x000f000f000f000fULL) << 8);
  // A nibble >= 10 carries into bit 4 when 6 is added; such lanes get 'a' - 10 instead of '0'.
  const std::uint64_t letters = ((lanes + kOnes * 6) >> 4) & kOnes;
  store8(lanes + kOnes * '0' + letters * ('a' - '0' - 10), out);
}

}  // namespace detail

// Decodes exactly 16 lowercase hex digits at `in` into a big-endian 64-bit value.
// Returns false (and leaves `out` unspecified) on any other character.
inline bool decodeU64(const char* in, std::uint64_t& out) noexcept {
  std::uint32_t hi = 0;
  std::uint32_t lo = 0;
  const bool ok_hi = detail::decode8(in, hi);
  const bool ok_lo = detail::decode8(in + 8, lo);
  out = (std::uint64_t{hi} << 32) | lo;
  return ok_hi & ok_lo;
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
  detail::encode8(static_cast<std::uint32_t>(value >> 32), out);
  detail::encode8(static_cast<std::uint32_t>(value), out + 8);
}

inline void encodeU8(std::uint8_t value, char* out) noexcept {
  out[0] = kLowerDigits[value >> 4];
  out[1] = kLowerDigits[value & 0x0f];
}

}  // namespace stitch::hex
