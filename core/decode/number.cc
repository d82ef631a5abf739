#include "core/decode/number.h"

#include <limits>

namespace stitch::decode {
namespace {

// 128-bit arithmetic keeps 36 significant digits exact (GCC and clang extension; __extension__
// keeps -Wpedantic quiet).
__extension__ typedef unsigned __int128 U128;
__extension__ typedef __int128 I128;

constexpr bool isDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// 10^n as a 128-bit integer, for n in 0..38.
constexpr U128 pow10(int n) noexcept {
  U128 v = 1;
  for (int i = 0; i < n; ++i) {
    v *= 10;
  }
  return v;
}

constexpr U128 kDigitsLimit = pow10(36);  // accumulate at most 36 digits exactly

}  // namespace

bool isJsonNumber(std::string_view t) noexcept {
  std::size_t i = 0;
  const std::size_t n = t.size();
  if (i < n && t[i] == '-') {
    ++i;
  }
  if (i >= n) {
    return false;
  }
  if (t[i] == '0') {
    ++i;
  } else if (isDigit(t[i])) {
    while (i < n && isDigit(t[i])) {
      ++i;
    }
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (i >= n || !isDigit(t[i])) {
      return false;
    }
    while (i < n && isDigit(t[i])) {
      ++i;
    }
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
      ++i;
    }
    if (i >= n || !isDigit(t[i])) {
      return false;
    }
    while (i < n && isDigit(t[i])) {
      ++i;
    }
  }
  return i == n;
}

std::optional<std::int64_t> scaleDecimal(std::string_view t, std::int64_t scale) noexcept {
  // Fast path for the common shape "123" or "12.345" (no sign, no exponent, at most 18 digits):
  // plain 64-bit arithmetic.
  if (!t.empty() && t.size() <= 19 && isDigit(t[0]) &&
      (t[0] != '0' || t.size() == 1 || t[1] == '.')) {
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < t.size() && isDigit(t[i]); ++i) {
      whole = whole * 10 + static_cast<std::uint64_t>(t[i] - '0');
    }
    std::uint64_t fraction = 0;
    std::uint64_t fraction_scale = 1;
    bool simple = i == t.size();
    if (!simple && t[i] == '.' && i + 1 < t.size()) {
      simple = true;
      for (++i; i < t.size(); ++i) {
        if (!isDigit(t[i])) {
          simple = false;
          break;
        }
        if (fraction_scale < static_cast<std::uint64_t>(scale)) {
          fraction = fraction * 10 + static_cast<std::uint64_t>(t[i] - '0');
          fraction_scale *= 10;
        }
      }
    }
    const auto s = static_cast<std::uint64_t>(scale);
    if (simple &&
        whole <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / s) {
      // fraction has at most log10(scale) digits: fraction * (scale / fraction_scale) < scale.
      const std::uint64_t value = whole * s + fraction * (s / fraction_scale);
      if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(value);
      }
    }
  }
  if (!isJsonNumber(t)) {
    return std::nullopt;
  }
  int scale_exp = 0;
  for (std::int64_t s = scale; s > 1; s /= 10) {
    ++scale_exp;
  }
  std::size_t i = 0;
  const bool negative = t[0] == '-';
  if (negative) {
    ++i;
  }
  // value = digits * 10^exp10, with digits held exactly (excess digits dropped, exponent fixed).
  U128 digits = 0;
  long exp10 = 0;
  for (; i < t.size() && isDigit(t[i]); ++i) {
    if (digits < kDigitsLimit) {
      digits = digits * 10 + static_cast<unsigned>(t[i] - '0');
    } else {
      ++exp10;  // an integer digit beyond 36 significant ones: value * 10
    }
  }
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && isDigit(t[i]); ++i) {
      if (digits < kDigitsLimit) {
        digits = digits * 10 + static_cast<unsigned>(t[i] - '0');
        --exp10;
      }  // further fraction digits cannot change a result truncated at 10^-9 resolution
    }
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (t[i] == '+' || t[i] == '-') {
      exp_negative = t[i] == '-';
      ++i;
    }
    long e = 0;
    for (; i < t.size(); ++i) {
      if (e < 100000) {
        e = e * 10 + (t[i] - '0');
      }
    }
    exp10 += exp_negative ? -e : e;
  }
  exp10 += scale_exp;
  constexpr auto kMax = static_cast<U128>(std::numeric_limits<std::int64_t>::max());
  if (digits == 0) {
    return 0;
  }
  if (exp10 >= 0) {
    if (exp10 > 38) {
      return std::nullopt;
    }
    const U128 factor = pow10(static_cast<int>(exp10));
    if (digits > (kMax + 1) / factor) {
      return std::nullopt;
    }
    digits *= factor;
  } else {
    if (exp10 < -38) {
      digits = 0;
    } else {
      digits /= pow10(static_cast<int>(-exp10));
    }
  }
  if (digits > kMax + (negative ? 1 : 0)) {
    return std::nullopt;
  }
  if (negative) {
    return static_cast<std::int64_t>(-static_cast<I128>(digits));
  }
  return static_cast<std::int64_t>(digits);
}

std::optional<std::uint64_t> parseUnsignedDecimal(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 40) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (!isDigit(c)) {
      return std::nullopt;
    }
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      return std::nullopt;
    }
    value = value * 10 + d;
  }
  return value;
}

}  // namespace stitch::decode
