#include "daemon/store/store_writer.h"

#include <catch2/catch.hpp>

#include "tests/fixtures/temp_dir.h"
#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using stitch::daemon::StoreWriter;
using tracecontext::TraceId;

namespace {

constexpr TimestampNs kStart = 1'700'000'000'000'000'000;

TraceId idOf(std::uint64_t n) {
  return TraceId{0x3333'0000'0000'0000ULL, n};
}

trace::DecidedTracePtr traceOf(std::uint64_t n, int records = 4) {
  return fixtures::makeDecided(idOf(n), fixtures::benchRecords(idOf(n), kStart, records, false));
}

struct Writer {
  fixtures::TempDir dir;
  store::StoreConfig config;
  store::TraceCache cache{16 << 20};
  metrics::Registry metrics;
  ManualClock clock{kStart};
  std::unique_ptr<StoreWriter> writer;

  explicit Writer(std::uint32_t queue_size = 1024,
                  exporting::FullPolicy full_policy = exporting::FullPolicy::kBlock) {
    config.path = dir.file("traces.db");
    config.queue_size = queue_size;
    config.full_policy = full_policy;
    config.batch_size = std::min<std::uint32_t>(64, queue_size);
    config.max_age = std::chrono::hours(1);
    auto store = store::TraceStore::open(config);
    REQUIRE(store);
    writer =
        std::make_unique<StoreWriter>(config, std::move(store).value(), &cache, metrics, clock);
  }

  std::optional<store::StoredTrace> read(const TraceId& id) {
    auto reader = store::TraceReader::open(config.path);
    REQUIRE(reader);
    auto got = (*reader)->get(id);
    REQUIRE(got);
    return std::move(got).value();
  }
  double metric(std::string_view name, const metrics::Labels& labels = {}) {
    return metrics.valueOf(name, labels);
  }
};

}  // namespace

TEST_CASE("StoreWriter writes what is submitted and counts it", "[store_writer]") {
  Writer w;
  w.writer->start();
  for (std::uint64_t n = 1; n <= 100; ++n) {
    REQUIRE(w.writer->submit(traceOf(n)));
  }
  w.writer->flush();
  CHECK(w.metric("stitch_store_traces_written_total") == 100);
  CHECK(w.metric("stitch_store_records_written_total") == 400);
  CHECK(w.metric("stitch_store_traces") == 100);
  CHECK(w.metric("stitch_store_bytes") > 0);
  CHECK(w.metric("stitch_store_write_seconds_count") >= 2);  // 100 traces, batches of 64
  CHECK(w.metric("stitch_store_write_seconds_sum") > 0);
  CHECK(w.metric("stitch_store_queue_depth") == 0);
  auto stored = w.read(idOf(77));
  REQUIRE(stored);
  CHECK(stored->records.size() == 4);
  CHECK(stored->kept_at_ns == kStart);
}

TEST_CASE("StoreWriter puts kept traces in the cache at once", "[store_writer]") {
  Writer w;  // not started: nothing reaches the store, the cache has it anyway
  REQUIRE(w.writer->submit(traceOf(5)));
  CHECK(w.cache.find(idOf(5)).size() == 1);
  CHECK(w.metric("stitch_store_cache_traces") == 1);
}

TEST_CASE("StoreWriter merges late records into the stored trace", "[store_writer]") {
  Writer w;
  w.writer->start();
  REQUIRE(w.writer->submit(traceOf(1, 4)));
  w.writer->flush();
  REQUIRE(w.writer->submit(traceOf(1, 2)));
  w.writer->flush();
  CHECK(w.metric("stitch_store_merged_total") == 1);
  CHECK(w.metric("stitch_store_traces_written_total") == 1);
  auto stored = w.read(idOf(1));
  REQUIRE(stored);
  CHECK(stored->records.size() == 6);
  CHECK(stored->writes == 2);
}

TEST_CASE("StoreWriter with full_policy drop drops and counts what does not fit its queue",
          "[store_writer]") {
  Writer w(4, exporting::FullPolicy::kDrop);
  for (std::uint64_t n = 1; n <= 4; ++n) {
    CHECK(w.writer->submit(traceOf(n)));
  }
  CHECK_FALSE(w.writer->submit(traceOf(5)));
  CHECK(w.metric("stitch_store_dropped_total", {{"reason", "queue_full"}}) == 1);
  CHECK(w.metric("stitch_store_queue_depth") == 4);
  w.writer->start();
  w.writer->flush();
  CHECK(w.metric("stitch_store_traces_written_total") == 4);
}

TEST_CASE("StoreWriter with full_policy block makes the submitter wait and loses nothing",
          "[store_writer]") {
  Writer w(2);  // a queue far smaller than what is submitted
  w.writer->start();
  for (std::uint64_t n = 1; n <= 300; ++n) {
    REQUIRE(w.writer->submit(traceOf(n)));
  }
  w.writer->flush();
  CHECK(w.metric("stitch_store_dropped_total", {{"reason", "queue_full"}}) == 0);
  CHECK(w.metric("stitch_store_traces_written_total") == 300);
  CHECK(w.read(idOf(300)));
  w.writer->stop();
  CHECK_FALSE(w.writer->submit(traceOf(301)));  // stopped: refused, counted, never blocks
  CHECK(w.metric("stitch_store_dropped_total", {{"reason", "stopped"}}) == 1);
}

TEST_CASE("StoreWriter with full_policy block drops when its thread never started",
          "[store_writer]") {
  Writer w(1);  // nobody would ever make room: waiting would hang the caller
  CHECK(w.writer->submit(traceOf(1)));
  CHECK_FALSE(w.writer->submit(traceOf(2)));
  CHECK(w.metric("stitch_store_dropped_total", {{"reason", "queue_full"}}) == 1);
}

TEST_CASE("StoreWriter lifecycle: stop flushes, stop twice, stop without start", "[store_writer]") {
  SECTION("stop writes everything queued") {
    Writer w;
    w.writer->start();
    for (std::uint64_t n = 1; n <= 300; ++n) {
      REQUIRE(w.writer->submit(traceOf(n)));
    }
    w.writer->stop();
    w.writer->stop();
    CHECK(w.metric("stitch_store_traces_written_total") == 300);
    CHECK_FALSE(w.writer->submit(traceOf(301)));
    CHECK(w.metric("stitch_store_dropped_total", {{"reason", "stopped"}}) == 1);
    w.writer.reset();  // closes the store
    CHECK(w.read(idOf(300)));
  }
  SECTION("stop without start drops what was queued, counted") {
    Writer w;
    REQUIRE(w.writer->submit(traceOf(1)));
    w.writer->stop();
    CHECK(w.metric("stitch_store_dropped_total", {{"reason", "stopped"}}) == 1);
    w.writer->flush();  // returns at once after stop
  }
  SECTION("stop with a full queue") {
    Writer w(8);
    for (std::uint64_t n = 1; n <= 10; ++n) {
      w.writer->submit(traceOf(n));
    }
    w.writer->start();
    w.writer->stop();
    CHECK(w.metric("stitch_store_traces_written_total") == 8);
    CHECK(w.metric("stitch_store_dropped_total", {{"reason", "queue_full"}}) == 2);
  }
}

TEST_CASE("StoreWriter enforces retention on its thread by the injected clock", "[store_writer]") {
  Writer w;
  w.writer->start();
  REQUIRE(w.writer->submit(traceOf(1)));
  w.writer->flush();
  w.clock.advance(std::chrono::minutes(61));
  w.writer->enforceRetention();
  CHECK(w.metric("stitch_store_retention_deleted_total", {{"reason", "age"}}) == 1);
  CHECK(w.metric("stitch_store_traces") == 0);
  CHECK_FALSE(w.read(idOf(1)));
  auto reader = store::TraceReader::open(w.config.path);
  REQUIRE(reader);
  auto expired = (*reader)->expired(idOf(1));
  REQUIRE(expired);
  CHECK(expired->has_value());
}

TEST_CASE("Traces written by one StoreWriter are there for the next", "[store_writer]") {
  fixtures::TempDir dir;
  store::StoreConfig config;
  config.path = dir.file("traces.db");
  metrics::Registry metrics;
  ManualClock clock{kStart};
  {
    StoreWriter first(config, std::move(store::TraceStore::open(config).value()), nullptr, metrics,
                      clock);
    first.start();
    first.submit(traceOf(1));
    first.submit(traceOf(2));
  }  // destructor: stop, flush, close
  metrics::Registry metrics2;
  StoreWriter second(config, std::move(store::TraceStore::open(config).value()), nullptr, metrics2,
                     clock);
  CHECK(metrics2.valueOf("stitch_store_traces") == 2);
}
