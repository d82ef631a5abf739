#include "core/tracecontext/id_generator.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

namespace stitch::tracecontext {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Bumped in the child of every fork(): a thread_local generator copied into the child would
// otherwise repeat the parent's ids exactly.
std::atomic<std::uint64_t> g_fork_generation{0};

void onForkChild() noexcept {
  g_fork_generation.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t forkGeneration() noexcept {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, onForkChild);
    return true;
  }();
  (void)registered;
  return g_fork_generation.load(std::memory_order_relaxed);
}

}  // namespace

IdGenerator::IdGenerator() noexcept {
  seedFromOs();
}

IdGenerator::IdGenerator(std::uint64_t seed_value) noexcept {
  seed(seed_value);
}

void IdGenerator::seedFromOs() noexcept {
  fork_generation_ = forkGeneration();
  std::uint64_t seed_words[4] = {};
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(seed_words);
  while (got < sizeof(seed_words)) {
    const ssize_t n = getrandom(bytes + got, sizeof(seed_words) - got, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // ENOSYS (very old kernel) or a seccomp filter: fall back below
    }
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof(seed_words)) {
    // Fall back to time, pid and address entropy rather than failing: ids must still differ
    // between threads and processes.
    std::uint64_t x = static_cast<std::uint64_t>(
                          std::chrono::high_resolution_clock::now().time_since_epoch().count()) ^
                      reinterpret_cast<std::uintptr_t>(this) ^
                      (static_cast<std::uint64_t>(getpid()) << 32);
    for (auto& w : seed_words) {
      w ^= splitmix64(x);
    }
  }
  std::memcpy(state_, seed_words, sizeof(state_));
  if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) {
    seed(0x853c49e6748fea9bULL);  // the all-zero state is xoshiro's one fixed point
  }
}

void IdGenerator::seed(std::uint64_t seed_value) noexcept {
  // splitmix64 never yields four zero words in a row, so the state is never all-zero.
  for (auto& w : state_) {
    w = splitmix64(seed_value);
  }
}

IdGenerator& IdGenerator::forThisThread() noexcept {
  thread_local IdGenerator generator;
  if (generator.fork_generation_ != g_fork_generation.load(std::memory_order_relaxed))
      [[unlikely]] {
    generator.seedFromOs();
  }
  return generator;
}

}  // namespace stitch::tracecontext
