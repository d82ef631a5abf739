#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "core/export/exporter_config.h"

namespace stitch::exporting {

// Exponential backoff with jitter for retryable export failures (see RetryConfig).
// Threading: one instance per exporter worker; not thread-safe (it owns its random engine).
class Backoff {
public:
  // `seed` makes the jitter reproducible in tests; the daemon seeds from std::random_device.
  Backoff(const RetryConfig& config, std::uint64_t seed);

  // The upper bound of the wait before retry number `retry` (1 = the first retry):
  // min(max_backoff, initial_backoff * 2^(retry-1)). Never overflows.
  static std::chrono::nanoseconds ceiling(const RetryConfig& config, std::uint32_t retry) noexcept;

  // The wait before retry number `retry`: uniform in [(1 - jitter) * ceiling, ceiling].
  std::chrono::nanoseconds delay(std::uint32_t retry) noexcept;

  // Whether to try again after `failed_attempts` failures, `elapsed` after the first attempt,
  // if the next attempt would start after `wait`. False when retries are off, the attempts
  // are used up or the attempt would start past max_elapsed.
  bool mayRetry(std::uint32_t failed_attempts,
                std::chrono::nanoseconds elapsed,
                std::chrono::nanoseconds wait) const noexcept;

  const RetryConfig& config() const noexcept { return config_; }

private:
  RetryConfig config_;
  std::mt19937_64 rng_;
};

}  // namespace stitch::exporting
