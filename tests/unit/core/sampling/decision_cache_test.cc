#include "core/sampling/decision_cache.h"

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::sampling;
using stitch::tracecontext::TraceId;
using trace::Decision;

namespace {

CachedDecision at(TimestampNs when, Decision decision = Decision::kKeep) {
  CachedDecision d;
  d.decision = decision;
  d.decided_at_ns = when;
  return d;
}

}  // namespace

TEST_CASE("DecisionCache remembers keep and drop decisions", "[sampling][cache]") {
  DecisionCache cache(10, std::chrono::seconds(60));
  cache.insert(TraceId{1, 1}, at(100, Decision::kKeep));
  cache.insert(TraceId{1, 2}, at(100, Decision::kDrop));
  REQUIRE(cache.find(TraceId{1, 1}, 200));
  CHECK(cache.find(TraceId{1, 1}, 200)->decision == Decision::kKeep);
  CHECK(cache.find(TraceId{1, 2}, 200)->decision == Decision::kDrop);
  CHECK(cache.find(TraceId{1, 3}, 200) == nullptr);
  CHECK_FALSE(cache.wasForgotten(TraceId{1, 1}));
}

TEST_CASE("DecisionCache forgets the oldest decision when full", "[sampling][cache]") {
  DecisionCache cache(3, std::chrono::seconds(60));
  for (std::uint64_t i = 1; i <= 5; ++i) {
    cache.insert(TraceId{1, i}, at(static_cast<TimestampNs>(i)));
  }
  CHECK(cache.size() == 3);
  CHECK(cache.find(TraceId{1, 1}, 10) == nullptr);
  CHECK(cache.find(TraceId{1, 2}, 10) == nullptr);
  CHECK(cache.find(TraceId{1, 3}, 10) != nullptr);
  CHECK(cache.find(TraceId{1, 5}, 10) != nullptr);
  CHECK(cache.wasForgotten(TraceId{1, 1}));
  CHECK(cache.wasForgotten(TraceId{1, 2}));
  CHECK_FALSE(cache.wasForgotten(TraceId{1, 4}));
}

TEST_CASE("DecisionCache forgets decisions older than its TTL", "[sampling][cache]") {
  DecisionCache cache(100, std::chrono::seconds(10));
  cache.insert(TraceId{1, 1}, at(0));
  cache.insert(TraceId{1, 2}, at(5 * kNanosPerSecond));
  CHECK(cache.find(TraceId{1, 1}, 10 * kNanosPerSecond - 1) != nullptr);
  CHECK(cache.find(TraceId{1, 1}, 10 * kNanosPerSecond) == nullptr);  // expired on lookup too
  cache.expire(12 * kNanosPerSecond);
  CHECK(cache.size() == 1);
  CHECK(cache.wasForgotten(TraceId{1, 1}));
  CHECK(cache.find(TraceId{1, 2}, 12 * kNanosPerSecond) != nullptr);
  cache.expire(15 * kNanosPerSecond);
  CHECK(cache.size() == 0);
}

TEST_CASE("DecisionCache replaces a decision for the same trace", "[sampling][cache]") {
  DecisionCache cache(2, std::chrono::seconds(60));
  cache.insert(TraceId{1, 1}, at(1, Decision::kDrop));
  cache.insert(TraceId{1, 1}, at(2, Decision::kKeep));
  CHECK(cache.size() == 1);
  CHECK(cache.find(TraceId{1, 1}, 3)->decision == Decision::kKeep);
  // The replaced entry still occupies its ring slot until it ages out; nothing breaks.
  cache.insert(TraceId{1, 2}, at(3));
  cache.insert(TraceId{1, 3}, at(4));
  CHECK(cache.find(TraceId{1, 3}, 5) != nullptr);
  CHECK(cache.size() <= 2);
}

TEST_CASE("DecisionCache stays bounded under a long stream", "[sampling][cache]") {
  DecisionCache cache(1000, std::chrono::seconds(60));
  for (std::uint64_t i = 1; i <= 100000; ++i) {
    cache.insert(TraceId{7, i}, at(static_cast<TimestampNs>(i)));
  }
  CHECK(cache.size() == 1000);
  const std::size_t memory = cache.memoryBytes();
  for (std::uint64_t i = 100001; i <= 200000; ++i) {
    cache.insert(TraceId{7, i}, at(static_cast<TimestampNs>(i)));
  }
  CHECK(cache.memoryBytes() == memory);
  CHECK(cache.find(TraceId{7, 200000}, 200001) != nullptr);
  CHECK(cache.find(TraceId{7, 198999}, 200001) == nullptr);
}
