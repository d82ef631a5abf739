#pragma once

#include <cstdint>

#include "core/tracecontext/ids.h"

namespace stitch::tracecontext {

// Random trace and span ids: xoshiro256** seeded from the OS CSPRNG (getrandom), one
// generator per thread so that no id costs a lock or a syscall. Ids are never all-zero, and
// every bit of them is uniformly random (so the W3C Level 2 random-trace-id flag holds).
// Not for secrets: ids are identifiers, and W3C asks only that they be random.
// Threading: an instance belongs to one thread; forThisThread() hands out that thread's own.
class IdGenerator {
public:
  IdGenerator() noexcept;                             // seeds from the OS CSPRNG
  explicit IdGenerator(std::uint64_t seed) noexcept;  // deterministic, for tests

  // The calling thread's generator. A process forked from this one reseeds it on first use,
  // so that parent and child never hand out the same ids.
  static IdGenerator& forThisThread() noexcept;

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  SpanId spanId() noexcept {
    std::uint64_t v = next();
    while (v == 0) {
      v = next();
    }
    return SpanId{v};
  }
  TraceId traceId() noexcept {
    TraceId id{next(), next()};
    while (!id.isValid()) {
      id = TraceId{next(), next()};
    }
    return id;
  }

private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  void seed(std::uint64_t seed) noexcept;
  void seedFromOs() noexcept;

  std::uint64_t state_[4];
  std::uint64_t fork_generation_ = 0;  // the process generation this state was seeded in
};

}  // namespace stitch::tracecontext
