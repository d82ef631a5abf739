#include "core/export/backoff.h"

#include <chrono>

#include <catch2/catch.hpp>

using namespace stitch::exporting;
using namespace std::chrono_literals;

TEST_CASE("Backoff ceilings double from initial_backoff up to max_backoff", "[export]") {
  RetryConfig config;
  config.initial_backoff = 100ms;
  config.max_backoff = 1s;
  CHECK(Backoff::ceiling(config, 1) == 100ms);
  CHECK(Backoff::ceiling(config, 2) == 200ms);
  CHECK(Backoff::ceiling(config, 3) == 400ms);
  CHECK(Backoff::ceiling(config, 4) == 800ms);
  CHECK(Backoff::ceiling(config, 5) == 1s);
  CHECK(Backoff::ceiling(config, 1000) == 1s);
  CHECK(Backoff::ceiling(config, UINT32_MAX) == 1s);
}

TEST_CASE("Full jitter draws delays in [0, ceiling], reproducibly for a seed", "[export]") {
  RetryConfig config;
  config.initial_backoff = 100ms;
  config.max_backoff = 10s;
  config.jitter = 1.0;
  Backoff a(config, 42);
  Backoff b(config, 42);
  std::chrono::nanoseconds lowest = 1h;
  std::chrono::nanoseconds highest = 0ns;
  for (int i = 0; i < 1000; ++i) {
    const auto d = a.delay(3);
    CHECK(d == b.delay(3));
    CHECK(d >= 0ns);
    CHECK(d <= 400ms);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  // Spread over the whole range, not clustered at one end.
  CHECK(lowest < 40ms);
  CHECK(highest > 360ms);
}

TEST_CASE("Partial jitter keeps delays in [(1 - jitter) * ceiling, ceiling]", "[export]") {
  RetryConfig config;
  config.initial_backoff = 1s;
  config.max_backoff = 1s;
  config.jitter = 0.25;
  Backoff backoff(config, 7);
  for (int i = 0; i < 200; ++i) {
    const auto d = backoff.delay(1);
    CHECK(d >= 750ms);
    CHECK(d <= 1s);
  }
  config.jitter = 0;
  Backoff exact(config, 7);
  CHECK(exact.delay(1) == 1s);
}

TEST_CASE("Retries stop at max_attempts, at max_elapsed, or when disabled", "[export]") {
  RetryConfig config;
  config.max_attempts = 3;
  config.max_elapsed = 10s;
  Backoff backoff(config, 1);
  CHECK(backoff.mayRetry(1, 0s, 1s));
  CHECK(backoff.mayRetry(2, 0s, 1s));
  CHECK_FALSE(backoff.mayRetry(3, 0s, 1s));
  CHECK(backoff.mayRetry(1, 8s, 2s));
  CHECK_FALSE(backoff.mayRetry(1, 8s, 2001ms));

  config.max_attempts = 0;
  config.max_elapsed = 0s;
  Backoff unlimited(config, 1);
  CHECK(unlimited.mayRetry(1'000'000, 1000h, 1h));

  config.enabled = false;
  Backoff off(config, 1);
  CHECK_FALSE(off.mayRetry(1, 0s, 0s));
}
