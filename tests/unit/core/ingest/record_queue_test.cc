#include "core/ingest/record_queue.h"

#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace stitch::ingest {
namespace {

using namespace std::chrono_literals;

record::RecordBatch makeBatch(std::size_t count, std::string_view tag = "r") {
  record::RecordBuilder builder;
  record::RecordBatch batch;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string line = std::string(tag) + std::to_string(i);
    builder.reset(line);
    batch.push_back(builder.build());
  }
  return batch;
}

}  // namespace

TEST_CASE("RecordQueue hands batches to the consumer in order", "[ingest][queue]") {
  RecordQueue queue(100, 1 << 20);
  auto a = makeBatch(2, "a");
  auto b = makeBatch(3, "b");
  REQUIRE(queue.tryPush(a) == PushResult::kAccepted);
  REQUIRE(queue.tryPush(b) == PushResult::kAccepted);
  CHECK(a.empty());
  CHECK(queue.records() == 5);
  CHECK(queue.bytes() > 0);
  record::RecordBatch out;
  REQUIRE(queue.pop(out, 0ms));
  CHECK(out.size() == 2);
  CHECK(out[0]->raw() == "a0");
  REQUIRE(queue.pop(out, 0ms));
  CHECK(out[2]->raw() == "b2");
  CHECK(queue.records() == 0);
  CHECK(queue.bytes() == 0);
  CHECK_FALSE(queue.pop(out, 1ms));
}

TEST_CASE("RecordQueue refuses a batch when full and leaves it with the caller",
          "[ingest][queue]") {
  RecordQueue queue(4, 1 << 20);
  auto first = makeBatch(4);
  REQUIRE(queue.tryPush(first) == PushResult::kAccepted);
  auto second = makeBatch(1);
  CHECK(queue.tryPush(second) == PushResult::kFull);
  CHECK(second.size() == 1);
  CHECK(queue.fullCount() == 1);
  record::RecordBatch out;
  REQUIRE(queue.pop(out, 0ms));
  CHECK(queue.tryPush(second) == PushResult::kAccepted);
}

TEST_CASE("RecordQueue bounds bytes as well as records", "[ingest][queue]") {
  RecordQueue queue(1000, 100);
  auto first = makeBatch(2);
  REQUIRE(queue.tryPush(first) == PushResult::kAccepted);
  REQUIRE(queue.bytes() >= 100);
  auto second = makeBatch(1);
  CHECK(queue.tryPush(second) == PushResult::kFull);
}

TEST_CASE("RecordQueue admits a batch larger than its limits when empty", "[ingest][queue]") {
  RecordQueue queue(2, 1 << 20);
  auto big = makeBatch(10);
  CHECK(queue.tryPush(big) == PushResult::kAccepted);
  CHECK(queue.records() == 10);
}

TEST_CASE("a closed RecordQueue refuses pushes but hands out what it holds", "[ingest][queue]") {
  RecordQueue queue(100, 1 << 20);
  auto batch = makeBatch(3);
  REQUIRE(queue.tryPush(batch) == PushResult::kAccepted);
  queue.close();
  queue.close();  // twice is fine
  auto late = makeBatch(1);
  CHECK(queue.tryPush(late) == PushResult::kClosed);
  CHECK(late.size() == 1);
  record::RecordBatch out;
  CHECK(queue.pop(out, 0ms));
  CHECK(out.size() == 3);
  CHECK_FALSE(queue.pop(out, 1s));  // closed and empty: returns at once
}

TEST_CASE("RecordQueue wakes a waiting consumer when a batch arrives", "[ingest][queue]") {
  RecordQueue queue(100, 1 << 20);
  std::thread producer([&] {
    auto batch = makeBatch(1);
    while (queue.tryPush(batch) != PushResult::kAccepted) {
    }
  });
  record::RecordBatch out;
  const bool got = queue.pop(out, 10s);
  producer.join();
  CHECK(got);
  CHECK(out.size() == 1);
}

TEST_CASE("RecordQueue limits can be changed while it holds batches", "[ingest][queue]") {
  RecordQueue queue(100, 1 << 20);
  auto batch = makeBatch(5);
  REQUIRE(queue.tryPush(batch) == PushResult::kAccepted);
  queue.setLimits(5, 1 << 20);
  auto next = makeBatch(1);
  CHECK(queue.tryPush(next) == PushResult::kFull);
  queue.setLimits(50, 1 << 20);
  CHECK(queue.tryPush(next) == PushResult::kAccepted);
  CHECK(queue.maxRecords() == 50);
}

}  // namespace stitch::ingest

namespace stitch::ingest {

TEST_CASE("A busy consumer is woken by a full threshold, not by every push", "[ingest][queue]") {
  RecordQueue queue(100000, 1 << 30);
  REQUIRE(queue.wakeRecords() == 2048);
  SECTION("below the threshold the consumer sleeps its timeout out, then takes the batch") {
    std::thread producer([&] {
      auto batch = makeBatch(1);
      REQUIRE(queue.tryPush(batch) == PushResult::kAccepted);
    });
    record::RecordBatch out;
    CHECK(queue.pop(out, 200ms, RecordQueue::Wake::kOnThreshold));
    producer.join();
    CHECK(out.size() == 1);
  }
  SECTION("a threshold's worth of records wakes it long before its timeout") {
    std::thread producer([&] {
      auto batch = makeBatch(queue.wakeRecords());
      REQUIRE(queue.tryPush(batch) == PushResult::kAccepted);
    });
    record::RecordBatch out;
    const auto start = std::chrono::steady_clock::now();
    CHECK(queue.pop(out, 60s, RecordQueue::Wake::kOnThreshold));
    producer.join();
    CHECK(std::chrono::steady_clock::now() - start < 30s);
  }
}

TEST_CASE("A small queue wakes its consumer by half its capacity", "[ingest][queue]") {
  RecordQueue queue(10, 1 << 20);
  CHECK(queue.wakeRecords() == 5);
  RecordQueue tiny(1, 1 << 20);
  CHECK(tiny.wakeRecords() == 1);
}

TEST_CASE("RecordQueue::pushAlways takes a batch past the limits; hasRoom tells a router first",
          "[ingest][queue]") {
  RecordQueue queue(4, 1 << 20);
  CHECK(queue.hasRoom());
  auto first = makeBatch(3);
  REQUIRE(queue.tryPush(first) == PushResult::kAccepted);
  CHECK(queue.hasRoom());  // 3 of 4: a next batch is taken whatever its size
  auto big = makeBatch(5);
  CHECK(queue.pushAlways(big) == PushResult::kAccepted);
  CHECK(big.empty());
  CHECK(queue.records() == 8);
  CHECK_FALSE(queue.hasRoom());
  auto more = makeBatch(1);
  CHECK(queue.tryPush(more) == PushResult::kFull);
  queue.close();
  CHECK(queue.pushAlways(more) == PushResult::kClosed);  // closed refuses even pushAlways
  CHECK(more.size() == 1);
}

TEST_CASE("RecordQueue::interrupt makes a waiting pop return at once, once", "[ingest][queue]") {
  RecordQueue queue(4, 1 << 20);
  record::RecordBatch out;
  queue.interrupt();
  // Interrupted before the wait: the next pop returns without waiting out its hour.
  CHECK_FALSE(queue.pop(out, std::chrono::hours(1)));
  CHECK_FALSE(queue.pop(out, 0ms));  // consumed: the queue behaves as before

  std::thread waker([&] { queue.interrupt(); });
  CHECK_FALSE(queue.pop(out, std::chrono::hours(1)));  // woken by the other thread
  waker.join();

  auto batch = makeBatch(2);
  REQUIRE(queue.tryPush(batch) == PushResult::kAccepted);
  queue.interrupt();
  CHECK(queue.pop(out, std::chrono::hours(1)));  // something queued: it is handed out
  CHECK(out.size() == 2);
}

}  // namespace stitch::ingest
