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
  std::uint64_t raw = 0;
  for (int i = 0; i < 9; ++i) {
    auto record = makeSpan(a, static_cast<std::uint64_t>(i + 1), 0, i, 1);
    const std::uint64_t cost = buffer.appendCost(&trace, *record);
    CHECK(cost >= assembly::mallocChunkBytes(record->allocatedBytes()));
    raw += record->raw().size();
    buffer.append(trace, std::move(record), 100 + i);
    expected += cost;
    CHECK(buffer.bytesHeld() == expected);
  }
  CHECK(buffer.recordsHeld() == 9);
  CHECK(buffer.rawBytesHeld() == raw);
  CHECK(trace.record_count == 9);
  CHECK(trace.span_records == 9);
  CHECK(trace.last_ns == 108);
  CHECK(trace.root_done_ns == 100);  // the first record was a root span

  std::vector<std::uint64_t> order;
  trace.forEachRecord([&](const record::Record& r) { order.push_back(r.span_id.value); });
  CHECK(order == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});

  const std::uint64_t pool = expected - empty - create_cost - [&] {
    std::uint64_t records = 0;
    for (int i = 0; i < 9; ++i) {
      records += assembly::mallocChunkBytes(
          makeSpan(a, static_cast<std::uint64_t>(i + 1), 0, i, 1)->allocatedBytes());
    }
    return records;
  }();
  CHECK(pool == 4 * 1024);  // one slab of record blocks, charged when first needed

  record::RecordBatch out;
  buffer.release(trace, out);
  REQUIRE(out.size() == 9);
  CHECK(out[0]->span_id.value == 1);
  CHECK(out[8]->span_id.value == 9);
  CHECK(buffer.bytesHeld() == empty + pool);  // the pool keeps its slab for the next traces
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
  record::RecordBatch out;
  buffer.release(tc, out);
  CHECK(buffer.leastRecentlyActive() == &ta);
  CHECK(buffer.earliestRootDone() == &ta);
  buffer.release(ta, out);
  CHECK(buffer.leastRecentlyActive() == &tb);
  CHECK(buffer.earliestRootDone() == nullptr);
  CHECK(buffer.find(a) == nullptr);
  buffer.release(tb, out);
  CHECK(buffer.leastRecentlyActive() == nullptr);
  CHECK(out.size() == 4);
}
