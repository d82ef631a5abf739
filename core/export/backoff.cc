#include "core/export/backoff.h"

#include <algorithm>

namespace stitch::exporting {

Backoff::Backoff(const RetryConfig& config, std::uint64_t seed) : config_(config), rng_(seed) {}

std::chrono::nanoseconds Backoff::ceiling(const RetryConfig& config, std::uint32_t retry) noexcept {
  using std::chrono::nanoseconds;
  const nanoseconds initial = config.initial_backoff;
  const nanoseconds cap = std::max<nanoseconds>(config.max_backoff, initial);
  if (retry <= 1 || initial.count() <= 0) {
    return std::min(initial, cap);
  }
  // Doubling past the cap is pointless; stop before the shift could overflow.
  nanoseconds wait = initial;
  for (std::uint32_t i = 1; i < retry && wait < cap; ++i) {
    wait = wait > cap / 2 ? cap : wait * 2;
  }
  return std::min(wait, cap);
}

std::chrono::nanoseconds Backoff::delay(std::uint32_t retry) noexcept {
  const std::chrono::nanoseconds top = ceiling(config_, retry);
  const double jitter = std::clamp(config_.jitter, 0.0, 1.0);
  if (jitter == 0.0 || top.count() <= 0) {
    return top;
  }
  const auto span = static_cast<std::int64_t>(static_cast<double>(top.count()) * jitter);
  std::uniform_int_distribution<std::int64_t> pick(0, span);
  return top - std::chrono::nanoseconds(pick(rng_));
}

bool Backoff::mayRetry(std::uint32_t failed_attempts,
                       std::chrono::nanoseconds elapsed,
                       std::chrono::nanoseconds wait) const noexcept {
  if (!config_.enabled) {
    return false;
  }
  if (config_.max_attempts != 0 && failed_attempts >= config_.max_attempts) {
    return false;
  }
  if (config_.max_elapsed.count() != 0 && elapsed + wait > config_.max_elapsed) {
    return false;
  }
  return true;
}

}  // namespace stitch::exporting
