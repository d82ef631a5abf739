#include "core/common/log_rate_limiter.h"

#include <string>

#include <catch2/catch.hpp>

namespace stitch {

using namespace std::chrono_literals;

TEST_CASE("LogRateLimiter lets one warning per key through per interval", "[common]") {
  ManualClock clock;
  LogRateLimiter limiter(clock, 10s);
  REQUIRE(limiter.admit("oversize") == std::optional<std::uint64_t>(0));
  CHECK_FALSE(limiter.admit("oversize"));
  CHECK_FALSE(limiter.admit("oversize"));
  CHECK(limiter.admit("bad_frame") == std::optional<std::uint64_t>(0));  // other keys pass
  clock.advance(9s);
  CHECK_FALSE(limiter.admit("oversize"));
  clock.advance(1s);
  CHECK(limiter.admit("oversize") == std::optional<std::uint64_t>(3));  // reports suppressed
  clock.advance(10s);
  CHECK(limiter.admit("oversize") == std::optional<std::uint64_t>(0));
}

TEST_CASE("LogRateLimiter's new interval applies at once", "[common]") {
  ManualClock clock;
  LogRateLimiter limiter(clock, 1h);
  REQUIRE(limiter.admit("k"));
  limiter.setInterval(1s);
  clock.advance(1s);
  CHECK(limiter.admit("k"));
}

TEST_CASE("LogRateLimiter keeps a bounded number of keys", "[common]") {
  ManualClock clock;
  LogRateLimiter limiter(clock, 1h);
  for (std::size_t i = 0; i < LogRateLimiter::kMaxKeys + 10; ++i) {
    limiter.admit("key" + std::to_string(i));
  }
  // Keys beyond the limit share one slot: the second of them is suppressed.
  CHECK_FALSE(limiter.admit("yet another key"));
}

}  // namespace stitch
