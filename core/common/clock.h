#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace stitch {

// Nanoseconds since the Unix epoch. Every timestamp in stitch is one of these: record times,
// decision deadlines and retention ages alike, so they compare without conversions.
using TimestampNs = std::int64_t;

inline constexpr TimestampNs kNanosPerMicro = 1'000;
inline constexpr TimestampNs kNanosPerMilli = 1'000'000;
inline constexpr TimestampNs kNanosPerSecond = 1'000'000'000;

// The source of "now" for every component that waits or ages things. Injected so that tests
// drive time explicitly and never sleep.
// Threading: implementations must be safe to call from any thread.
class Clock {
public:
  virtual ~Clock() = default;
  virtual TimestampNs now() const noexcept = 0;
};

// Wall-clock time (CLOCK_REALTIME).
class SystemClock final : public Clock {
public:
  TimestampNs now() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. For tests.
class ManualClock final : public Clock {
public:
  explicit ManualClock(TimestampNs start = 1'700'000'000 * kNanosPerSecond) noexcept
      : now_(start) {}
  TimestampNs now() const noexcept override { return now_.load(std::memory_order_relaxed); }
  void set(TimestampNs value) noexcept { now_.store(value, std::memory_order_relaxed); }
  void advance(std::chrono::nanoseconds step) noexcept {
    now_.fetch_add(step.count(), std::memory_order_relaxed);
  }

private:
  std::atomic<TimestampNs> now_;
};

}  // namespace stitch
