#include "core/decode/timestamp.h"

#include <cstring>
#include <limits>

#include "core/decode/number.h"

namespace stitch::decode {
namespace {

constexpr bool isDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads `count` digits at text[pos]; false if any is not a digit.
constexpr bool readDigits(std::string_view text, std::size_t pos, int count, int& out) noexcept {
  if (pos + static_cast<std::size_t>(count) > text.size()) {
    return false;
  }
  int value = 0;
  for (int i = 0; i < count; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    if (!isDigit(c)) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

// SWAR: whether 8 bytes (little-endian) are all ASCII digits, and their value.
constexpr bool areEightDigits(std::uint64_t v) noexcept {
  return ((v & 0xF0F0F0F0F0F0F0F0ULL) |
          (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

constexpr std::uint64_t eightDigits(std::uint64_t v) noexcept {
  v = ((v & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
  v = ((v & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
  return ((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
}

constexpr bool isLeapYear(int year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int daysInMonth(int year, int month) noexcept {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / kNanosPerSecond;

bool looksNumeric(std::string_view text) noexcept {
  // Digits, a sign, a point or an exponent only: "1714564800", "1714564800.5", "1.7e9".
  // RFC 3339 always has '-' after four digits, so the two never overlap.
  if (text.empty() || (text.size() > 4 && text[4] == '-')) {
    return false;
  }
  for (const char c : text) {
    if (!isDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return false;
    }
  }
  return text.size() < 5 || text[4] != '-';
}

}  // namespace

std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) noexcept {
  // Howard Hinnant's days_from_civil: eras of 400 years, March-based years.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<TimestampNs> parseRfc3339(std::string_view t) noexcept {
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters at fixed positions: read them without loops.
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const auto digit = [&t](std::size_t i) { return static_cast<unsigned>(t[i]) - '0'; };
  const unsigned d[14] = {digit(0),  digit(1),  digit(2),  digit(3),  digit(5),
                          digit(6),  digit(8),  digit(9),  digit(11), digit(12),
                          digit(14), digit(15), digit(17), digit(18)};
  bool bad = false;
  for (const unsigned v : d) {
    bad |= v > 9;
  }
  if (bad) {
    return std::nullopt;
  }
  const int year = static_cast<int>(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]);
  const int month = static_cast<int>(d[4] * 10 + d[5]);
  const int day = static_cast<int>(d[6] * 10 + d[7]);
  const int hour = static_cast<int>(d[8] * 10 + d[9]);
  const int minute = static_cast<int>(d[10] * 10 + d[11]);
  const int second = static_cast<int>(d[12] * 10 + d[13]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t fraction_ns = 0;
  if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
    ++pos;
    const std::size_t start = pos;
    std::size_t digits = 0;
    // Nanosecond fractions are common: read 8 digits at once when they are there.
    if (std::uint64_t eight = 0; t.size() - pos >= 8) {
      std::memcpy(&eight, t.data() + pos, 8);
      if (areEightDigits(eight)) {
        fraction_ns = static_cast<std::int64_t>(eightDigits(eight));
        digits = 8;
        pos += 8;
      }
    }
    while (pos < t.size() && isDigit(t[pos])) {
      if (digits < 9) {
        fraction_ns = fraction_ns * 10 + (t[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
    constexpr std::int64_t kScale[10] = {1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000,
                                         10'000,        1'000,       100,        10,        1};
    fraction_ns *= kScale[digits];
  }
  std::int64_t offset_seconds = 0;
  if (pos < t.size()) {
    const char c = t[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      int off_hour = 0;
      int off_minute = 0;
      if (!readDigits(t, pos + 1, 2, off_hour)) {
        return std::nullopt;
      }
      pos += 3;
      if (pos < t.size()) {
        if (t[pos] == ':') {
          ++pos;
        }
        if (!readDigits(t, pos, 2, off_minute)) {
          return std::nullopt;
        }
        pos += 2;
      }
      if (off_hour > 23 || off_minute > 59) {
        return std::nullopt;
      }
      offset_seconds = (off_hour * 3600 + off_minute * 60) * (c == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (pos != t.size()) {
    return std::nullopt;
  }
  const std::int64_t days =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  if (seconds < -kMaxSeconds || seconds >= kMaxSeconds) {
    return std::nullopt;
  }
  return seconds * kNanosPerSecond + fraction_ns;
}

std::optional<TimestampNs> parseEpoch(std::string_view number, EpochUnit unit) noexcept {
  if (unit == EpochUnit::kAuto) {
    const std::optional<std::int64_t> whole = scaleDecimal(number, 1);
    if (!whole) {
      return std::nullopt;
    }
    if (*whole < 100'000'000'000) {
      unit = EpochUnit::kSeconds;
    } else if (*whole < 100'000'000'000'000) {
      unit = EpochUnit::kMillis;
    } else if (*whole < 100'000'000'000'000'000) {
      unit = EpochUnit::kMicros;
    } else {
      unit = EpochUnit::kNanos;
    }
  }
  std::int64_t scale = 1;
  switch (unit) {
    case EpochUnit::kSeconds:
      scale = kNanosPerSecond;
      break;
    case EpochUnit::kMillis:
      scale = kNanosPerMilli;
      break;
    case EpochUnit::kMicros:
      scale = kNanosPerMicro;
      break;
    case EpochUnit::kAuto:
    case EpochUnit::kNanos:
      scale = 1;
      break;
  }
  const std::optional<std::int64_t> ns = scaleDecimal(number, scale);
  if (!ns || *ns <= 0) {
    return std::nullopt;
  }
  return *ns;
}

std::optional<TimestampNs> parseTimestampString(std::string_view text, EpochUnit unit) noexcept {
  if (looksNumeric(text)) {
    return parseEpoch(text, unit);
  }
  return parseRfc3339(text);
}

}  // namespace stitch::decode
