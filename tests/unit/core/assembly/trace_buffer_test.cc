#include "core/assembly/trace_buffer.h"

#include <catch2/catch.hpp>

#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::test;
using assembly::PendingTrace;
using assembly::TraceBuffer;

TEST_CASE("TraceBuffer charges what malloc takes and gives it all back on release",
          "[assembly][buffer]") {
  TraceBuffer buffer;
  const std::uint64_t empty = buffer.bytesHeld();
  const TraceId a = traceId("0af7651916cd43dd8448eb211c80319c");

  const std::uint64_t create_cost = buffer.createCost();
  PendingTrace& trace = buffer.create(a, 100);
  CHECK(buffer.bytesHeld() == empty + create_cost);

  std::uint64_t expected = buffer.bytesHeld();
  for (int i = 0; i < 9; ++i) {
    auto record = makeSpan(a, static_cast<std::uint64_t>(i + 1), 0, i, 1);
    const std::uint64_t cost = buffer.appendCost(&trace, *record);
    CHECK(cost >= assembly::mallocChunkBytes(record->allocatedBytes()));
    buffer.append(trace, std::move(record), 100 + i);
    expected += cost;
    CHECK(buffer.bytesHeld() == expected);
  }
  CHECK(buffer.recordsHeld() == 9);
  CHECK(trace.records.capacity() == 16);  // 4, 8, 16: growth the cost knew about
  CHECK(trace.span_records == 9);
  CHECK(trace.last_ns == 108);
  CHECK(trace.root_done_ns == 100);  // the first record was a root span

  auto owned = buffer.release(trace);
  CHECK(owned->records.size() == 9);
  CHECK(buffer.bytesHeld() == empty);
  CHECK(buffer.tracesHeld() == 0);
  CHECK(buffer.recordsHeld() == 0);
  CHECK(buffer.rawBytesHeld() == 0);
}

TEST_CASE("mallocChunkBytes matches glibc's chunk sizes", "[assembly][buffer]") {
  CHECK(assembly::mallocChunkBytes(1) == 32);
  CHECK(assembly::mallocChunkBytes(24) == 32);
  CHECK(assembly::mallocChunkBytes(25) == 48);
  CHECK(assembly::mallocChunkBytes(501) == 512);
  CHECK(assembly::mallocChunkBytes(504) == 512);
  CHECK(assembly::mallocChunkBytes(505) == 528);
}

TEST_CASE("TraceBuffer keeps traces in activity order and root-completion order",
          "[assembly][buffer]") {
  TraceBuffer buffer;
  const TraceId a{1, 1};
  const TraceId b{1, 2};
  const TraceId c{1, 3};
  PendingTrace& ta = buffer.create(a, 1);
  PendingTrace& tb = buffer.create(b, 2);
  PendingTrace& tc = buffer.create(c, 3);
  buffer.append(tb, makeSpan(b, 2, 1, 0, 1), 4);  // a child span: no root yet
  buffer.append(tc, makeSpan(c, 1, 0, 0, 1), 5);  // c's root
  buffer.append(ta, makeSpan(a, 1, 0, 0, 1), 6);  // a's root
  buffer.append(tb, makeEvent(b, 2, 1, 0), 7);

  CHECK(buffer.leastRecentlyActive() == &tc);
  CHECK(buffer.earliestRootDone() == &tc);
  CHECK(buffer.find(a) == &ta);
  buffer.release(tc);
  CHECK(buffer.leastRecentlyActive() == &ta);
  CHECK(buffer.earliestRootDone() == &ta);
  buffer.release(ta);
  CHECK(buffer.leastRecentlyActive() == &tb);
  CHECK(buffer.earliestRootDone() == nullptr);
  CHECK(buffer.find(a) == nullptr);
  buffer.release(tb);
  CHECK(buffer.leastRecentlyActive() == nullptr);
}
