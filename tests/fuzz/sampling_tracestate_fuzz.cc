// OpenTelemetry sampling values on arbitrary bytes: the input is used as a whole tracestate
// header, as a `th` value and as an `rv` value. Properties: no crash; an accepted threshold is
// at most 2^56 - 1 and its encoding parses back to the same threshold (parse twice); an
// accepted randomness fits 56 bits; thresholds derived from probabilities round-trip, and at
// full precision a larger probability never has a larger threshold (kept sets nest).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/sampling/consistent.h"

namespace {

using namespace stitch::sampling;

void check(bool ok, const char* what, std::string_view input) {
  if (!ok) {
    std::fprintf(stderr, "sampling_tracestate_fuzz: %s for input [%.*s]\n", what,
                 static_cast<int>(input.size()), input.data());
    std::abort();
  }
}

void checkThreshold(Threshold t, std::string_view input) {
  check(t.value < kMaxAdjustedCount, "threshold above 2^56 - 1", input);
  const std::string encoded = encodeThreshold(t);
  const auto again = parseThreshold(encoded);
  check(again.has_value() && *again == t, "th encoding does not parse back", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const OtelTracestate ot = parseOtelTracestate(input);
  if (ot.threshold) {
    checkThreshold(*ot.threshold, input);
  }
  if (ot.randomness) {
    check(*ot.randomness < kMaxAdjustedCount, "randomness above 56 bits", input);
  }
  if (const auto t = parseThreshold(input)) {
    checkThreshold(*t, input);
  }
  if (const auto r = parseRandomness(input)) {
    check(*r < kMaxAdjustedCount, "rv above 56 bits", input);
  }

  // The first 16 bytes as two probabilities: thresholds round-trip and stay ordered.
  if (size >= 16) {
    double a = 0;
    double b = 0;
    std::memcpy(&a, data, 8);
    std::memcpy(&b, data + 8, 8);
    if (std::isfinite(a) && std::isfinite(b)) {
      a = std::fabs(a) - std::floor(std::fabs(a));  // into [0, 1)
      b = std::fabs(b) - std::floor(std::fabs(b));
      const Threshold ta = probabilityToThreshold(a);
      if (ta != kAlwaysSample) {
        checkThreshold(ta, input);
      }
      // At full precision the kept sets nest exactly. (Rounded thresholds nest too, except
      // between probabilities closer than the rounding step across a precision boundary.)
      const Threshold fa = probabilityToThreshold(a, 0);
      const Threshold fb = probabilityToThreshold(b, 0);
      check(a > b ? fa <= fb : fb <= fa, "a larger probability got a larger threshold", input);
    }
  }
  return 0;
}
