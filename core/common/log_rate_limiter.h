#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.h"

namespace stitch {

// Lets a repeated warning through once per interval per key and counts the rest, so that a
// flood of bad input produces one log line per interval ("... (suppressed 1234 similar)"),
// never one per record.
// Keys name a kind of warning ("tcp_oversize"); they must come from a fixed set in the code,
// never from input. Beyond kMaxKeys distinct keys, new keys share one overflow slot.
// Threading: thread-safe (a mutex; callers only get here when something went wrong).
class LogRateLimiter {
public:
  static constexpr std::size_t kMaxKeys = 1024;

  LogRateLimiter(const Clock& clock, std::chrono::nanoseconds interval) noexcept
      : clock_(clock), interval_ns_(interval.count()) {}

  // nullopt: suppress this occurrence. Otherwise log it, with the returned number of
  // occurrences suppressed since the key last passed.
  std::optional<std::uint64_t> admit(std::string_view key);

  void setInterval(std::chrono::nanoseconds interval);

private:
  struct Slot {
    TimestampNs last_ns = 0;
    std::uint64_t suppressed = 0;
    bool seen = false;
  };

  const Clock& clock_;
  std::mutex mutex_;
  TimestampNs interval_ns_;                         // guarded by mutex_
  std::map<std::string, Slot, std::less<>> slots_;  // guarded by mutex_
};

}  // namespace stitch
