#pragma once

#include <algorithm>

#include "core/common/clock.h"

namespace stitch::sampling {

// A token bucket refilled continuously at `rate` per second up to `capacity`. A request for
// more than the capacity is granted when the bucket is full and leaves it in debt, so that a
// trace bigger than a spans-per-second limit is not starved forever and the long-run rate
// still holds. Time comes from the caller (the injected clock).
// Threading: not synchronised; owned by one shard thread.
class TokenBucket {
public:
  TokenBucket() = default;
  TokenBucket(double rate_per_second, double capacity, TimestampNs now) noexcept
      : rate_(rate_per_second), capacity_(capacity), tokens_(capacity), last_ns_(now) {}

  bool tryTake(double n, TimestampNs now) noexcept {
    refill(now);
    if (tokens_ >= std::min(n, capacity_)) {
      tokens_ -= n;
      return true;
    }
    return false;
  }

  double tokens(TimestampNs now) noexcept {
    refill(now);
    return tokens_;
  }
  double rate() const noexcept { return rate_; }
  double capacity() const noexcept { return capacity_; }

private:
  void refill(TimestampNs now) noexcept {
    if (now > last_ns_) {
      tokens_ = std::min(capacity_, tokens_ + rate_ * static_cast<double>(now - last_ns_) /
                                                  static_cast<double>(kNanosPerSecond));
      last_ns_ = now;
    }
  }

  double rate_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  TimestampNs last_ns_ = 0;
};

}  // namespace stitch::sampling
