#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record/record.h"

namespace stitch::sampling {

// OpenTelemetry consistent probability sampling (TraceState: Probability Sampling, OTEP 235).
// Every participant compares the same 56-bit randomness R (the trace id's low 56 bits, or an
// explicit `ot=rv`) with a 56-bit rejection threshold T derived from its probability and keeps
// the trace when R >= T. Two replicas with the same probability therefore decide a trace the
// same way without sharing any state, and a trace kept at probability p is kept at any p' > p.

inline constexpr std::uint64_t kMaxAdjustedCount = std::uint64_t{1} << 56;  // 2^56
inline constexpr int kThresholdHexDigits = 14;                              // 56 bits
// The precision OpenTelemetry recommends for SDKs (significant hex digits of a threshold).
inline constexpr int kDefaultThresholdPrecision = 4;
// The smallest probability a threshold can express (one in 2^56).
inline constexpr double kMinProbability = 1.0 / static_cast<double>(kMaxAdjustedCount);

// A rejection threshold in [0, 2^56]: 0 keeps everything, 2^56 keeps nothing (only reachable
// through the `never` policies, never through a probability).
struct Threshold {
  std::uint64_t value = 0;
  friend constexpr bool operator==(Threshold, Threshold) = default;
  friend constexpr auto operator<=>(Threshold, Threshold) = default;
};
inline constexpr Threshold kAlwaysSample{0};
inline constexpr Threshold kNeverSample{kMaxAdjustedCount};

// The consistent decision: keep when the randomness is not below the threshold.
constexpr bool shouldSample(std::uint64_t randomness, Threshold threshold) noexcept {
  return randomness >= threshold.value;
}

// Threshold for a probability in [kMinProbability, 1], rounded to `precision` significant hex
// digits the way the specification's reference algorithm does (so the `th` value is short):
// the precision grows by one digit per leading 'f' (small probabilities) and per leading '0'
// (probabilities close to 1) so that it always counts significant digits. precision <= 0
// means full 56-bit precision. Out-of-range or NaN probabilities are clamped into the range.
Threshold probabilityToThreshold(double probability,
                                 int precision = kDefaultThresholdPrecision) noexcept;
// (2^56 - T) / 2^56.
double thresholdToProbability(Threshold threshold) noexcept;

// The `th` value: 14 hex digits with trailing zeros removed; "0" for 100%. Never for
// kNeverSample (which has no encoding): returns "" then.
std::string encodeThreshold(Threshold threshold);
// Parses a `th` value: 1 to 14 hex digits (either case), padded with trailing zeros.
std::optional<Threshold> parseThreshold(std::string_view text) noexcept;
// Parses an `rv` value: exactly 14 hex digits (either case).
std::optional<std::uint64_t> parseRandomness(std::string_view text) noexcept;

// The OpenTelemetry sub-keys of a tracestate's `ot` member that sampling reads.
struct OtelTracestate {
  std::optional<Threshold> threshold;       // ot=th:..., when present and valid
  std::optional<std::uint64_t> randomness;  // ot=rv:..., when present and valid
};
// Reads `th` and `rv` from a whole W3C tracestate header value (finds the `ot` member, then
// its `;`-separated `key:value` list). Malformed values are treated as absent.
OtelTracestate parseOtelTracestate(std::string_view tracestate) noexcept;

// The value of the list member `key` in a W3C tracestate header value, or nullopt (also for a
// header that is not valid W3C tracestate: it is discarded as a whole, tracecontext's
// TracestateView decides). Never allocates.
std::optional<std::string_view> findTracestateMember(std::string_view tracestate,
                                                     std::string_view key) noexcept;

// The randomness R of a record: `ot=rv` from its tracestate when present, else the trace id's
// low 56 bits.
std::uint64_t randomnessOf(const record::Record& record) noexcept;

}  // namespace stitch::sampling
