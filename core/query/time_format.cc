#include "core/query/time_format.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace stitch::query {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civilFromDays(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) noexcept {
  if (at + n > s.size()) {
    return false;
  }
  unsigned v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

std::optional<TimestampNs> parseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  static constexpr unsigned kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  std::int64_t fraction_ns = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::int64_t scale = 100'000'000;
    const std::size_t begin = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      fraction_ns += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == begin || i - begin > 9) {
      return std::nullopt;
    }
  }
  std::int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    unsigned oh = 0, om = 0;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !digits(s, i + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (s[i] == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  const std::int64_t days = daysFromCivil(year, month, day);
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  // Years 0000..9999 fit in int64 nanoseconds only between 1677 and 2262.
  if (seconds > std::numeric_limits<TimestampNs>::max() / kNanosPerSecond - 1 ||
      seconds < std::numeric_limits<TimestampNs>::min() / kNanosPerSecond + 1) {
    return std::nullopt;
  }
  return seconds * kNanosPerSecond + fraction_ns;
}

// value * unit + extra, or nullopt past the year 2262 (where int64 nanoseconds end).
std::optional<TimestampNs> scaled(std::int64_t value, std::int64_t unit, std::int64_t extra) {
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(value, unit, &ns) || __builtin_add_overflow(ns, extra, &ns)) {
    return std::nullopt;
  }
  return ns;
}

std::optional<TimestampNs> parseEpoch(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), value);
  if (ec != std::errc() || end != whole.data() + whole.size() || whole.empty() ||
      whole.front() == '-' || whole.front() == '+') {
    return std::nullopt;
  }
  if (dot != std::string_view::npos) {
    // Fractions only for seconds: "1700000000.250".
    if (value >= 100'000'000'000) {
      return std::nullopt;
    }
    const std::string_view frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) {
      return std::nullopt;
    }
    std::int64_t ns = 0;
    std::int64_t scale = 100'000'000;
    for (char c : frac) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      ns += (c - '0') * scale;
      scale /= 10;
    }
    return scaled(value, kNanosPerSecond, ns);
  }
  if (value < 100'000'000'000) {
    return scaled(value, kNanosPerSecond, 0);
  }
  if (value < 100'000'000'000'000) {
    return scaled(value, kNanosPerMilli, 0);
  }
  if (value < 100'000'000'000'000'000) {
    return scaled(value, kNanosPerMicro, 0);
  }
  return value;
}

}  // namespace

std::string formatRfc3339(TimestampNs ns) {
  std::int64_t seconds = ns / kNanosPerSecond;
  std::int64_t fraction = ns % kNanosPerSecond;
  if (fraction < 0) {
    fraction += kNanosPerSecond;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const Civil date = civilFromDays(days);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month,
                                date.day, rest / 3600, rest % 3600 / 60, rest % 60);
  if (fraction != 0) {
    std::string digits9 = fmt::format("{:09}", fraction);
    while (!digits9.empty() && digits9.back() == '0') {
      digits9.pop_back();
    }
    out += '.';
    out += digits9;
  }
  out += 'Z';
  return out;
}

std::optional<TimestampNs> parseTime(std::string_view text) {
  if (text.size() >= 20 && text[4] == '-') {
    return parseRfc3339(text);
  }
  return parseEpoch(text);
}

std::optional<std::int64_t> parseDuration(std::string_view text, bool allow_days) {
  if (text == "0") {
    return 0;
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // A decimal number: digits, optionally a fraction.
    const std::size_t begin = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
      ++i;
    }
    const std::string_view number = text.substr(begin, i - begin);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
      return std::nullopt;
    }
    double value = 0;
    {
      std::int64_t whole = 0;
      const std::size_t dot = number.find('.');
      const std::string_view whole_text = number.substr(0, dot);
      if (!whole_text.empty()) {
        auto [end, ec] =
            std::from_chars(whole_text.data(), whole_text.data() + whole_text.size(), whole);
        if (ec != std::errc()) {
          return std::nullopt;
        }
      }
      value = static_cast<double>(whole);
      if (dot != std::string_view::npos) {
        double scale = 0.1;
        for (char c : number.substr(dot + 1)) {
          value += (c - '0') * scale;
          scale /= 10;
        }
      }
    }
    // A unit.
    const std::size_t unit_begin = i;
    while (i < text.size() && !((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
      ++i;
    }
    const std::string_view unit = text.substr(unit_begin, i - unit_begin);
    double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") {  // µ (micro, mu)
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else if (unit == "d" && allow_days) {
      scale = 86400e9;
    } else {
      return std::nullopt;
    }
    total += value * scale;
    if (total > 9.2e18) {
      return std::nullopt;
    }
  }
  return static_cast<std::int64_t>(std::llround(total));
}

std::string formatDurationShort(std::int64_t ns) {
  if (ns < 0) {
    std::string positive = formatDurationShort(-ns);
    positive.insert(positive.begin(), '-');
    return positive;
  }
  auto threeDigits = [](double value, std::string_view unit) {
    if (value >= 100) {
      return fmt::format("{:.0f}{}", value, unit);
    }
    if (value >= 10) {
      std::string s = fmt::format("{:.1f}", value);
      if (s.ends_with(".0")) {
        s.resize(s.size() - 2);
      }
      s += unit;
      return s;
    }
    std::string s = fmt::format("{:.2f}", value);
    while (s.back() == '0') {
      s.pop_back();
    }
    if (s.back() == '.') {
      s.pop_back();
    }
    s += unit;
    return s;
  };
  if (ns < 1'000) {
    return fmt::format("{}ns", ns);
  }
  if (ns < 1'000'000) {
    return threeDigits(static_cast<double>(ns) / 1e3, "\xc2\xb5s");
  }
  if (ns < 1'000'000'000) {
    return threeDigits(static_cast<double>(ns) / 1e6, "ms");
  }
  if (ns < 60 * kNanosPerSecond) {
    return threeDigits(static_cast<double>(ns) / 1e9, "s");
  }
  const std::int64_t seconds = ns / kNanosPerSecond;
  if (seconds < 3600) {
    return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  }
  return fmt::format("{}h{:02}m", seconds / 3600, seconds % 3600 / 60);
}

double nanosToMillis(std::int64_t ns) noexcept {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace stitch::query
