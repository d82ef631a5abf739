#include "core/common/log_rate_limiter.h"

namespace stitch {

std::optional<std::uint64_t> LogRateLimiter::admit(std::string_view key) {
  const TimestampNs now = clock_.now();
  std::lock_guard lock(mutex_);
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    constexpr std::string_view kOverflowKey = "\x01overflow";
    const std::string_view slot_key = slots_.size() < kMaxKeys ? key : kOverflowKey;
    it = slots_.try_emplace(std::string(slot_key)).first;
  }
  Slot& slot = it->second;
  if (slot.seen && now - slot.last_ns < interval_ns_) {
    ++slot.suppressed;
    return std::nullopt;
  }
  const std::uint64_t suppressed = slot.suppressed;
  slot.seen = true;
  slot.last_ns = now;
  slot.suppressed = 0;
  return suppressed;
}

void LogRateLimiter::setInterval(std::chrono::nanoseconds interval) {
  std::lock_guard lock(mutex_);
  interval_ns_ = interval.count();
}

}  // namespace stitch
