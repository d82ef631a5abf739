#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#define STITCH_HEX_SSE2 1
#endif

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

// 16 digits -> 64 bits through two 8-digit steps: the portable path, and the reference the
// SSE2 path is tested against.
inline bool decode16Portable(const char* in, std::uint64_t& out) noexcept {
  std::uint32_t hi = 0;
  std::uint32_t lo = 0;
  const bool ok_hi = decode8(in, hi);
  const bool ok_lo = decode8(in + 8, lo);
  out = (std::uint64_t{hi} << 32) | lo;
  return ok_hi & ok_lo;
}

#if STITCH_HEX_SSE2
// The same with one 16-byte SSE2 register (every x86-64 CPU has SSE2): about half the
// instructions of two SWAR steps.
inline bool decode16Sse2(const char* in, std::uint64_t& out) noexcept {
  const __m128i chars = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  // x in [lo, lo + n) <=> x + (0x80 - lo) < -128 + n as signed bytes: the range moves to the
  // bottom of the signed order and everything else (bytes >= 0x80 included) lands above it.
  const auto inRange = [chars](char lo, char n) {
    const __m128i shifted = _mm_add_epi8(chars, _mm_set1_epi8(static_cast<char>(0x80 - lo)));
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + n)));
  };
  const __m128i letters = inRange('a', 6);
  const int valid = _mm_movemask_epi8(_mm_or_si128(inRange('0', 10), letters));
  const __m128i nibbles = _mm_add_epi8(_mm_and_si128(chars, _mm_set1_epi8(0x0f)),
                                       _mm_and_si128(letters, _mm_set1_epi8(9)));
  // Each 16-bit lane holds two digits, the first in its low byte: make it one byte.
  const __m128i pairs = _mm_or_si128(
      _mm_slli_epi16(_mm_and_si128(nibbles, _mm_set1_epi16(0xff)), 4), _mm_srli_epi16(nibbles, 8));
  const __m128i bytes = _mm_packus_epi16(pairs, pairs);
  out = __builtin_bswap64(static_cast<std::uint64_t>(_mm_cvtsi128_si64(bytes)));
  return valid == 0xffff;
}
#endif

// Decodes 16 lowercase hex digits into their big-endian 64-bit value; false on any other byte.
inline bool decode16(const char* in, std::uint64_t& out) noexcept {
#if STITCH_HEX_SSE2
  return decode16Sse2(in, out);
#else
  return decode16Portable(in, out);
#endif
}

inline void encode16Portable(std::uint64_t value, char* out) noexcept {
  encode8(static_cast<std::uint32_t>(value >> 32), out);
  encode8(static_cast<std::uint32_t>(value), out + 8);
}

#if STITCH_HEX_SSE2
inline void encode16Sse2(std::uint64_t value, char* out) noexcept {
  const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(__builtin_bswap64(value)));
  const __m128i low_nibble = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble);
  const __m128i nibbles = _mm_unpacklo_epi8(high, _mm_and_si128(bytes, low_nibble));
  const __m128i letters =
      _mm_and_si128(_mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
  const __m128i chars = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), chars);
}
#endif

// Writes the 16 lowercase hex digits of `value` (big-endian) at `out`.
inline void encode16(std::uint64_t value, char* out) noexcept {
#if STITCH_HEX_SSE2
  encode16Sse2(value, out);
#else
  encode16Portable(value, out);
#endif
}

}  // namespace detail

// Decodes exactly 16 lowercase hex digits at `in` into a big-endian 64-bit value.
// Returns false (and leaves `out` unspecified) on any other character.
inline bool decodeU64(const char* in, std::uint64_t& out) noexcept {
  return detail::decode16(in, out);
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
  detail::encode16(value, out);
}

inline void encodeU8(std::uint8_t value, char* out) noexcept {
  out[0] = kLowerDigits[value >> 4];
  out[1] = kLowerDigits[value & 0x0f];
}

}  // namespace stitch::hex
