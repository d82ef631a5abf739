#pragma once

#include <cstdint>

namespace stitch::test {

// Counts the heap allocations (every form of operator new) made by the calling thread while it
// lives, for tests of "never allocates" contracts. The unit-test binary replaces the global
// operator new/delete with counting versions over malloc/free (allocation_counter.cc).
class AllocationCounter {
public:
  AllocationCounter() noexcept;
  std::uint64_t count() const noexcept;

private:
  std::uint64_t start_;
};

}  // namespace stitch::test
