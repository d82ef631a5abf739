#include "core/store/trace_cache.h"

#include <catch2/catch.hpp>

#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::store;
using tracecontext::TraceId;

namespace {

trace::DecidedTracePtr traceNumber(std::uint64_t n) {
  return fixtures::makeDecided(
      TraceId{9, n}, fixtures::benchRecords(TraceId{9, n}, 1'700'000'000'000'000'000, 4, false));
}

}  // namespace

TEST_CASE("TraceCache finds what it holds and evicts the least recently used", "[store]") {
  const std::uint64_t one = TraceCache::estimateBytes(*traceNumber(1));
  TraceCache cache(one * 3 + one / 2);  // room for three
  cache.put(traceNumber(1));
  cache.put(traceNumber(2));
  cache.put(traceNumber(3));
  CHECK(cache.traces() == 3);
  REQUIRE(cache.find(TraceId{9, 1}).size() == 1);  // 1 is now the most recently used
  cache.put(traceNumber(4));
  CHECK(cache.traces() == 3);
  CHECK(cache.evictions() == 1);
  CHECK(cache.find(TraceId{9, 2}).empty());  // the least recently used went
  CHECK(cache.find(TraceId{9, 1}).size() == 1);
  CHECK(cache.find(TraceId{9, 4}).size() == 1);
  CHECK(cache.bytes() <= cache.maxBytes());
}

TEST_CASE("TraceCache keeps late parts next to the first and counts their bytes", "[store]") {
  TraceCache cache(1 << 20);
  auto first = traceNumber(1);
  auto late = traceNumber(1);
  cache.put(first);
  const std::uint64_t bytes_one = cache.bytes();
  cache.put(late);
  const auto parts = cache.find(TraceId{9, 1});
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == first);
  CHECK(parts[1] == late);
  CHECK(cache.bytes() == 2 * bytes_one);
  cache.erase(TraceId{9, 1});
  CHECK(cache.find(TraceId{9, 1}).empty());
  CHECK(cache.bytes() == 0);
}

TEST_CASE("TraceCache holds nothing larger than itself, nor anything when disabled", "[store]") {
  TraceCache tiny(100);
  tiny.put(traceNumber(1));
  CHECK(tiny.traces() == 0);
  TraceCache disabled(0);
  disabled.put(traceNumber(1));
  CHECK(disabled.traces() == 0);
  tiny.put(nullptr);
  CHECK(tiny.traces() == 0);
}
