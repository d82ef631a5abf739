#include "core/tracecontext/id_generator.h"

#include <chrono>
#include <cstring>
#include <sys/random.h>

namespace stitch::tracecontext {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

IdGenerator::IdGenerator() noexcept {
  std::uint64_t seed_words[4] = {};
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(seed_words);
  while (got < sizeof(seed_words)) {
    const ssize_t n = getrandom(bytes + got, sizeof(seed_words) - got, 0);
    if (n <= 0) {
      break;  // only before the kernel's pool is initialised, or if getrandom is blocked
    }
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof(seed_words)) {
    // Fall back to time and address entropy rather than failing: ids must still be unique.
    std::uint64_t x = static_cast<std::uint64_t>(
                          std::chrono::high_resolution_clock::now().time_since_epoch().count()) ^
                      reinterpret_cast<std::uintptr_t>(this);
    for (auto& w : seed_words) {
      w ^= splitmix64(x);
    }
  }
  std::memcpy(state_, seed_words, sizeof(state_));
  if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) {
    seed(0x853c49e6748fea9bULL);  // the all-zero state is xoshiro's one fixed point
  }
}

IdGenerator::IdGenerator(std::uint64_t seed_value) noexcept {
  seed(seed_value);
}

void IdGenerator::seed(std::uint64_t seed_value) noexcept {
  for (auto& w : state_) {
    w = splitmix64(seed_value);
  }
}

IdGenerator& IdGenerator::forThisThread() noexcept {
  thread_local IdGenerator generator;
  return generator;
}

}  // namespace stitch::tracecontext
