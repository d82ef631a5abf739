#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/common/config_problem.h"

namespace stitch::sampling {

// What adaptive sampling keeps a target rate for.
enum class AdaptiveKey : std::uint8_t {
  kServiceAndOperation = 0,  // root service + root operation (Jaeger's per-operation strategy)
  kService,                  // root service only
};
std::string_view adaptiveKeyName(AdaptiveKey key) noexcept;  // "service_and_operation", "service"

// The parameters of a tail policy of type `adaptive`: keep about `target_traces_per_second`
// traces per key with Jaeger's adaptive algorithm, applied as a consistent threshold on R.
struct AdaptiveConfig {
  // Traces per second to keep per key, for the whole daemon (each of N shards aims at 1/N).
  double target_traces_per_second = 10.0;
  // How often probabilities are recalculated; each interval is one bucket of observed rates.
  std::chrono::milliseconds calculation_interval{10'000};
  // How many recent intervals are averaged, weighted i^4 towards the newest (Jaeger's weights).
  std::uint32_t calculation_buckets = 3;
  // |expected kept rate - target| / target below this leaves the probability unchanged.
  double delta_tolerance = 0.3;
  // Probability of a key seen for the first time (1: a new key keeps everything until the
  // first calculation, so a new user sees their first traces).
  double initial_probability = 1.0;
  // Bounds of every probability.
  double min_probability = 1e-5;
  double max_probability = 1.0;
  // An increase is capped at +max_increase per interval (0.5 = +50%); decreases apply at once.
  double max_increase = 0.5;
  // Lower bound per key: at least this many traces per second are kept even when the
  // probability would keep fewer (a token bucket per key; 0 disables). Jaeger: one a minute.
  double min_traces_per_second = 1.0 / 60.0;
  AdaptiveKey key_by = AdaptiveKey::kServiceAndOperation;
  // Keys tracked at most; traces of further keys share the key "(other)".
  std::uint32_t max_keys = 10'000;

  ConfigProblems validate() const;
  friend bool operator==(const AdaptiveConfig&, const AdaptiveConfig&) = default;
};

}  // namespace stitch::sampling
