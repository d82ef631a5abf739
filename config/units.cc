#include "config/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

#include "config/text.h"

namespace stitch::config {
namespace {

__extension__ using U128 = unsigned __int128;

constexpr std::uint64_t kPow10[] = {1,
                                    10,
                                    100,
                                    1'000,
                                    10'000,
                                    100'000,
                                    1'000'000,
                                    10'000'000,
                                    100'000'000,
                                    1'000'000'000,
                                    10'000'000'000,
                                    100'000'000'000,
                                    1'000'000'000'000,
                                    10'000'000'000'000,
                                    100'000'000'000'000,
                                    1'000'000'000'000'000,
                                    10'000'000'000'000'000,
                                    100'000'000'000'000'000,
                                    1'000'000'000'000'000'000};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 60;
  std::string out = "\"";
  out += text.size() > kShown ? std::string(text.substr(0, kShown)) + "..." : std::string(text);
  out += '"';
  return out;
}

// A decimal number split into its integer digits and fraction digits (trailing zeros of the
// fraction dropped). False when there are no digits at all or too many to be exact.
struct Decimal {
  U128 whole = 0;
  std::uint64_t fraction = 0;  // the digits after '.', as an integer
  int fraction_digits = 0;     // how many
};

constexpr int kMaxFractionDigits = 18;

// Reads [0-9]*(.[0-9]*)? at `pos`; at least one digit. Advances pos. `too_large`: the whole
// part exceeds 64 bits; `too_precise`: more fraction digits than any unit can make whole.
bool readDecimal(
    std::string_view s, std::size_t& pos, Decimal& out, bool& too_large, bool& too_precise) {
  out = Decimal{};
  std::size_t digits = 0;
  while (pos < s.size() && isDigit(s[pos])) {
    out.whole = out.whole * 10 + static_cast<unsigned>(s[pos] - '0');
    if (out.whole > std::numeric_limits<std::uint64_t>::max()) {
      too_large = true;
    }
    ++pos;
    ++digits;
  }
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::string_view frac;
    const std::size_t start = pos;
    while (pos < s.size() && isDigit(s[pos])) {
      ++pos;
    }
    frac = s.substr(start, pos - start);
    digits += frac.size();
    while (!frac.empty() && frac.back() == '0') {
      frac.remove_suffix(1);
    }
    if (frac.size() > kMaxFractionDigits) {
      too_precise = true;
      frac = frac.substr(0, kMaxFractionDigits);
    }
    for (const char c : frac) {
      out.fraction = out.fraction * 10 + static_cast<unsigned>(c - '0');
    }
    out.fraction_digits = static_cast<int>(frac.size());
  }
  return digits > 0;
}

// value * unit exactly, or false when not a whole number of base units (`inexact`) or too
// large for `limit`.
bool scale(const Decimal& d, std::uint64_t unit, U128 limit, U128& result, bool& inexact) {
  const U128 whole = d.whole * unit;
  if (d.whole != 0 && whole / unit != d.whole) {
    return false;
  }
  const U128 numerator = static_cast<U128>(d.fraction) * unit;  // < 1e18 * 2^40 < 2^128
  const U128 denominator = kPow10[d.fraction_digits];
  if (numerator % denominator != 0) {
    inexact = true;
    return false;
  }
  result = whole + numerator / denominator;
  return result <= limit;
}

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr std::array<Unit, 7> kDurationUnits = {{{"ns", 1},
                                                 {"us", 1'000},
                                                 {"\xC2\xB5s", 1'000},  // µs (micro sign)
                                                 {"ms", 1'000'000},
                                                 {"s", 1'000'000'000},
                                                 {"m", 60'000'000'000},
                                                 {"h", 3'600'000'000'000}}};

constexpr std::array<Unit, 9> kSizeUnits = {{{"b", 1},
                                             {"kb", 1'000},
                                             {"mb", 1'000'000},
                                             {"gb", 1'000'000'000},
                                             {"tb", 1'000'000'000'000},
                                             {"kib", 1ULL << 10},
                                             {"mib", 1ULL << 20},
                                             {"gib", 1ULL << 30},
                                             {"tib", 1ULL << 40}}};

std::string durationExpected(std::string_view text) {
  return cat("expected a duration like 250ms, got ", quoted(text));
}

}  // namespace

Result<std::chrono::nanoseconds, std::string> parseDuration(std::string_view text) {
  constexpr std::string_view kUnits = " (units: ns, us, ms, s, m, h)";
  if (text.empty()) {
    return Unexpected(durationExpected(text));
  }
  if (text[0] == '-') {
    return Unexpected(cat("must not be negative, got ", quoted(text)));
  }
  const U128 limit = static_cast<U128>(std::numeric_limits<std::int64_t>::max());
  U128 total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    Decimal number;
    bool too_large = false;
    bool inexact = false;
    const std::size_t number_start = pos;
    if (!readDecimal(text, pos, number, too_large, inexact)) {
      if (number_start == 0) {
        return Unexpected(durationExpected(text));
      }
      return Unexpected(cat(durationExpected(text), kUnits));
    }
    std::size_t unit_end = pos;
    while (unit_end < text.size() && !isDigit(text[unit_end]) && text[unit_end] != '.') {
      ++unit_end;
    }
    const std::string_view unit_text = text.substr(pos, unit_end - pos);
    if (unit_text.empty()) {
      if (number_start == 0) {
        return Unexpected(cat(durationExpected(text), "; a bare number has no unit: write ", text,
                              "s or ", text, "ms"));
      }
      return Unexpected(
          cat(durationExpected(text), "; \"", text.substr(number_start), "\" has no unit", kUnits));
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kDurationUnits) {
      if (u.name == unit_text) {
        unit = &u;
      }
    }
    if (unit == nullptr) {
      return Unexpected(cat(durationExpected(text), "; unknown unit \"", unit_text, "\"", kUnits));
    }
    pos = unit_end;
    U128 part = 0;
    if (too_large || inexact || !scale(number, unit->factor, limit, part, inexact)) {
      if (inexact) {
        return Unexpected(cat("must be a whole number of nanoseconds, got ", quoted(text)));
      }
      return Unexpected(cat("too long: at most about 292 years, got ", quoted(text)));
    }
    total += part;
    if (total > limit) {
      return Unexpected(cat("too long: at most about 292 years, got ", quoted(text)));
    }
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string formatDuration(std::chrono::nanoseconds value) {
  std::int64_t ns = value.count();
  if (ns == 0) {
    return "0s";
  }
  std::string sign;
  std::uint64_t magnitude = 0;
  if (ns < 0) {
    sign = "-";
    magnitude = static_cast<std::uint64_t>(-(ns + 1)) + 1;
  } else {
    magnitude = static_cast<std::uint64_t>(ns);
  }
  constexpr std::array<Unit, 6> kLargestFirst = {{{"h", 3'600'000'000'000},
                                                  {"m", 60'000'000'000},
                                                  {"s", 1'000'000'000},
                                                  {"ms", 1'000'000},
                                                  {"us", 1'000},
                                                  {"ns", 1}}};
  for (const Unit& u : kLargestFirst) {
    if (magnitude % u.factor == 0) {
      return cat(sign, std::to_string(magnitude / u.factor), u.name);
    }
  }
  return cat(sign, std::to_string(magnitude), "ns");  // unreachable: ns divides everything
}

Result<std::uint64_t, std::string> parseByteSize(std::string_view text) {
  const std::string expected = cat("expected a size like 64KiB, got ", quoted(text));
  constexpr std::string_view kUnits = " (units: B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)";
  if (!text.empty() && text[0] == '-') {
    return Unexpected(cat("must not be negative, got ", quoted(text)));
  }
  std::size_t pos = 0;
  Decimal number;
  bool too_large = false;
  bool inexact = false;
  if (!readDecimal(text, pos, number, too_large, inexact)) {
    return Unexpected(expected);
  }
  while (pos < text.size() && text[pos] == ' ') {
    ++pos;
  }
  std::string unit_text;
  for (const char c : text.substr(pos)) {
    unit_text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::uint64_t factor = 1;
  if (!unit_text.empty()) {
    const Unit* unit = nullptr;
    for (const Unit& u : kSizeUnits) {
      if (u.name == unit_text) {
        unit = &u;
      }
    }
    if (unit == nullptr) {
      if (unit_text == "k" || unit_text == "m" || unit_text == "g" || unit_text == "t") {
        return Unexpected(cat(expected, "; \"", text.substr(pos),
                              "\" is ambiguous: write KiB, MiB, GiB (1024) or kB, MB, GB (1000)"));
      }
      return Unexpected(cat(expected, "; unknown unit \"", text.substr(pos), "\"", kUnits));
    }
    factor = unit->factor;
  }
  U128 bytes = 0;
  if (too_large || inexact ||
      !scale(number, factor, std::numeric_limits<std::uint64_t>::max(), bytes, inexact)) {
    if (inexact) {
      return Unexpected(cat("must be a whole number of bytes, got ", quoted(text)));
    }
    return Unexpected(cat("too large: at most 16EiB, got ", quoted(text)));
  }
  return static_cast<std::uint64_t>(bytes);
}

std::string formatByteSize(std::uint64_t bytes) {
  if (bytes == 0) {
    return "0B";
  }
  constexpr std::array<Unit, 8> kLargestFirst = {{{"TiB", 1ULL << 40},
                                                  {"GiB", 1ULL << 30},
                                                  {"MiB", 1ULL << 20},
                                                  {"KiB", 1ULL << 10},
                                                  {"TB", 1'000'000'000'000},
                                                  {"GB", 1'000'000'000},
                                                  {"MB", 1'000'000},
                                                  {"kB", 1'000}}};
  for (const Unit& u : kLargestFirst) {
    if (bytes % u.factor == 0) {
      return cat(std::to_string(bytes / u.factor), u.name);
    }
  }
  return cat(std::to_string(bytes), "B");
}

}  // namespace stitch::config
