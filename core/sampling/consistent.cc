#include "core/sampling/consistent.h"

#include <algorithm>
#include <cmath>

#include "core/tracecontext/tracestate.h"

namespace stitch::sampling {
namespace {

// Value of a hex digit of either case, or -1.
int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::optional<std::uint64_t> parseHex(std::string_view text) noexcept {
  std::uint64_t value = 0;
  for (const char c : text) {
    const int digit = hexValue(c);
    if (digit < 0) {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace

Threshold probabilityToThreshold(double probability, int precision) noexcept {
  if (std::isnan(probability)) {
    probability = kMinProbability;
  }
  if (probability >= 1.0) {
    return kAlwaysSample;
  }
  probability = std::max(probability, kMinProbability);
  // p * 2^56 is exact in binary floating point; only the rounding to an integer loses anything.
  const auto scaled = static_cast<std::uint64_t>(std::llround(std::ldexp(probability, 56)));
  std::uint64_t threshold =
      kMaxAdjustedCount - std::clamp<std::uint64_t>(scaled, 1, kMaxAdjustedCount);
  if (precision <= 0 || precision >= kThresholdHexDigits) {
    return Threshold{threshold};
  }
  // One more digit per leading 'f' of the threshold (small probabilities), as the
  // specification's reference algorithm does with frexp()...
  int exponent = 0;
  std::frexp(probability, &exponent);
  if (exponent < 0) {
    precision += -exponent / 4;
  }
  // ...and one more per leading '0' (probabilities close to 1), as the Collector's
  // pkg/sampling does, so that precision always counts significant digits.
  for (double reject = 1.0 - probability; reject > 0 && reject * 16 < 1.0; reject *= 16) {
    ++precision;
  }
  precision = std::min(precision, kThresholdHexDigits);
  const int shift = 4 * (kThresholdHexDigits - precision);
  if (shift == 0) {
    return Threshold{threshold};
  }
  threshold = ((threshold + (std::uint64_t{1} << (shift - 1))) >> shift) << shift;
  if (threshold >= kMaxAdjustedCount) {
    // Rounded up past the largest value: keep the largest threshold at this precision.
    threshold = kMaxAdjustedCount - (std::uint64_t{1} << shift);
  }
  return Threshold{threshold};
}

double thresholdToProbability(Threshold threshold) noexcept {
  const std::uint64_t value = std::min(threshold.value, kMaxAdjustedCount);
  return static_cast<double>(kMaxAdjustedCount - value) / static_cast<double>(kMaxAdjustedCount);
}

std::string encodeThreshold(Threshold threshold) {
  if (threshold.value == 0) {
    return "0";
  }
  if (threshold.value >= kMaxAdjustedCount) {
    return {};
  }
  std::string digits(kThresholdHexDigits, '0');
  std::uint64_t value = threshold.value;
  for (int i = kThresholdHexDigits - 1; i >= 0; --i) {
    digits[static_cast<std::size_t>(i)] = "0123456789abcdef"[value & 0x0f];
    value >>= 4;
  }
  digits.erase(digits.find_last_not_of('0') + 1);
  return digits;
}

std::optional<Threshold> parseThreshold(std::string_view text) noexcept {
  if (text.empty() || text.size() > static_cast<std::size_t>(kThresholdHexDigits)) {
    return std::nullopt;
  }
  const auto value = parseHex(text);
  if (!value) {
    return std::nullopt;
  }
  return Threshold{*value << (4 * (kThresholdHexDigits - static_cast<int>(text.size())))};
}

std::optional<std::uint64_t> parseRandomness(std::string_view text) noexcept {
  if (text.size() != static_cast<std::size_t>(kThresholdHexDigits)) {
    return std::nullopt;
  }
  return parseHex(text);
}

std::optional<std::string_view> findTracestateMember(std::string_view tracestate,
                                                     std::string_view key) noexcept {
  const auto view = tracecontext::TracestateView::parse(tracestate);
  if (!view) {
    return std::nullopt;  // W3C: a malformed header is discarded as a whole
  }
  return view->get(key);
}

OtelTracestate parseOtelTracestate(std::string_view tracestate) noexcept {
  OtelTracestate result;
  const auto ot = findTracestateMember(tracestate, "ot");
  if (!ot) {
    return result;
  }
  std::string_view list = *ot;
  while (!list.empty()) {
    const std::size_t semicolon = list.find(';');
    const std::string_view item = list.substr(0, semicolon);
    list = semicolon == std::string_view::npos ? std::string_view{} : list.substr(semicolon + 1);
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = item.substr(0, colon);
    const std::string_view value = item.substr(colon + 1);
    if (name == "th" && !result.threshold) {
      result.threshold = parseThreshold(value);
    } else if (name == "rv" && !result.randomness) {
      result.randomness = parseRandomness(value);
    }
  }
  return result;
}

std::uint64_t randomnessOf(const record::Record& record) noexcept {
  if (!record.tracestate.empty()) {
    if (const auto rv = parseOtelTracestate(record.tracestateText()).randomness) {
      return *rv;
    }
  }
  return record.trace_id.randomness();
}

}  // namespace stitch::sampling
