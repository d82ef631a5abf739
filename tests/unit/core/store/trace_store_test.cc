#include "core/store/trace_store.h"

#include <fstream>
#include <random>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "core/store/reader_pool.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::store;
using stitch::fixtures::checkoutRecords;
using stitch::fixtures::checkoutTraceId;
using stitch::fixtures::makeDecided;
using stitch::fixtures::makeRecord;
using stitch::fixtures::RecordSpec;
using stitch::fixtures::TempDir;
using tracecontext::TraceId;

namespace {

constexpr TimestampNs kNow = 1'700'000'100'000'000'000;
constexpr TimestampNs kMs = kNanosPerMilli;

StoreConfig configIn(const TempDir& dir) {
  StoreConfig config;
  config.path = dir.file("store/traces.db");
  return config;
}

std::unique_ptr<TraceStore> openStore(const StoreConfig& config) {
  auto opened = TraceStore::open(config);
  INFO((opened ? std::string() : opened.error().message));
  REQUIRE(opened);
  return std::move(opened).value();
}

TraceId idOf(std::uint64_t n) {
  return TraceId{0x1111'0000'0000'0000ULL, n};
}

// A small trace: one root span of `service`/`operation` and one child in "db".
trace::DecidedTracePtr smallTrace(std::uint64_t n,
                                  TimestampNs start,
                                  std::int64_t duration_ms,
                                  std::string service = "shop",
                                  std::string operation = "GET /",
                                  bool error = false,
                                  std::string policy = "latency") {
  const TraceId id = idOf(n);
  record::RecordBatch records;
  records.push_back(makeRecord(id, RecordSpec{.service = "db",
                                              .operation = "select",
                                              .span_id = "00000000000000b2",
                                              .parent_span_id = "00000000000000a1",
                                              .start_ns = start + kMs,
                                              .duration_ns = kMs}));
  records.push_back(
      makeRecord(id, RecordSpec{.service = service,
                                .operation = operation,
                                .span_id = "00000000000000a1",
                                .start_ns = start,
                                .duration_ns = duration_ms * kMs,
                                .status = error ? record::Status::kError : record::Status::kOk}));
  return makeDecided(id, std::move(records), std::move(policy), start + duration_ms * kMs);
}

void writeAll(TraceStore& store,
              const std::vector<trace::DecidedTracePtr>& traces,
              TimestampNs now = kNow) {
  auto written = store.write(traces, now);
  INFO((written ? std::string() : written.error().message));
  REQUIRE(written);
}

std::vector<std::uint64_t> lowIds(const std::vector<TraceRow>& rows) {
  std::vector<std::uint64_t> ids;
  for (const auto& r : rows) {
    ids.push_back(r.trace_id.lo);
  }
  return ids;
}

}  // namespace

TEST_CASE("A written trace comes back with its records, summary and decision", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  auto checkout = makeDecided(checkoutTraceId(), checkoutRecords(), "errors", kNow - 5);
  auto written = store->write(std::vector{checkout}, kNow);
  REQUIRE(written);
  CHECK(written->inserted == 1);
  CHECK(written->records == 6);
  CHECK(store->traceCount() == 1);

  auto got = store->get(checkoutTraceId());
  REQUIRE(got);
  REQUIRE(got->has_value());
  const StoredTrace& stored = **got;
  REQUIRE(stored.records.size() == checkout->records.size());
  for (std::size_t i = 0; i < stored.records.size(); ++i) {
    CHECK(stored.records[i]->raw() == checkout->records[i]->raw());
    CHECK(stored.records[i]->span_id == checkout->records[i]->span_id);
    CHECK(stored.records[i]->serviceName() == checkout->records[i]->serviceName());
  }
  CHECK(stored.summary.root_service == "api-gateway");
  CHECK(stored.summary.root_operation == "checkout");
  CHECK(stored.summary.services ==
        std::vector<std::string>{"api-gateway", "bank-api", "cart", "database", "payment"});
  CHECK(stored.summary.error);
  CHECK(stored.summary.span_count == 5);
  CHECK(stored.summary.duration_ns == 200 * kMs);
  CHECK(stored.decision.policy == "errors");
  CHECK(stored.decision.decided_at_ns == kNow - 5);
  CHECK(stored.kept_at_ns == kNow);
  CHECK(stored.writes == 1);
  CHECK(stored.serialized_bytes > checkout->summary.bytes);

  auto missing = store->get(idOf(42));
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("Stored traces survive closing and reopening the store", "[store]") {
  TempDir dir;
  const StoreConfig config = configIn(dir);
  {
    auto store = openStore(config);
    writeAll(*store, {makeDecided(checkoutTraceId(), checkoutRecords()), smallTrace(1, kNow, 5)});
  }
  auto reopened = openStore(config);
  CHECK(reopened->traceCount() == 2);
  auto got = reopened->get(checkoutTraceId());
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK((*got)->records.size() == 6);
  auto services = reopened->services();
  REQUIRE(services);
  CHECK(*services == std::vector<std::string>{"api-gateway", "bank-api", "cart", "database", "db",
                                              "payment", "shop"});
  // New names after a restart get fresh ids that do not collide with the stored ones.
  writeAll(*reopened, {smallTrace(2, kNow, 5, "search", "GET /q")});
  SearchFilter filter;
  filter.service = "search";
  auto rows = reopened->search(filter);
  REQUIRE(rows);
  CHECK(lowIds(*rows) == std::vector<std::uint64_t>{2});

  auto reader = TraceReader::open(config.path);
  REQUIRE(reader);
  auto from_reader = (*reader)->get(idOf(1));
  REQUIRE(from_reader);
  CHECK(from_reader->has_value());
}

TEST_CASE("Late records for a stored trace are appended, never replacing it", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  const TraceId id = checkoutTraceId();
  record::RecordBatch all = checkoutRecords();
  // The first write lacks the gateway root (it arrives late) and the bank log.
  record::RecordBatch first;
  record::RecordBatch late;
  for (auto& r : all) {
    const bool is_late = r->serviceName() == "api-gateway" || !r->isSpan();
    (is_late ? late : first).push_back(std::move(r));
  }
  REQUIRE(first.size() == 4);
  writeAll(*store, {makeDecided(id, std::move(first), "errors")});
  auto before = store->get(id);
  REQUIRE(before);
  CHECK((*before)->summary.root_service == "cart");

  // A late batch carries its own records only; its summary is not trusted for the whole.
  auto late_part = makeDecided(id, std::move(late), "errors");
  auto written = store->write(std::vector{late_part}, kNow + kNanosPerSecond);
  REQUIRE(written);
  CHECK(written->merged == 1);
  CHECK(written->inserted == 0);
  CHECK(store->traceCount() == 1);

  auto after = store->get(id);
  REQUIRE(after);
  REQUIRE(after->has_value());
  const StoredTrace& merged = **after;
  CHECK(merged.records.size() == 6);
  CHECK(merged.writes == 2);
  CHECK(merged.kept_at_ns == kNow);  // retention age counts from the first write
  CHECK(merged.summary.root_service == "api-gateway");
  CHECK(merged.summary.root_operation == "checkout");
  CHECK(merged.summary.start_ns == fixtures::kCheckoutStart);
  CHECK(merged.summary.duration_ns == 200 * kMs);
  CHECK(merged.summary.span_count == 5);
  CHECK(merged.summary.record_count == 6);
  CHECK(merged.summary.services.front() == "api-gateway");

  // The index rows moved with the new start: one hit per service, none left at the old start.
  SearchFilter by_gateway;
  by_gateway.service = "api-gateway";
  auto rows = store->search(by_gateway);
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().summary.start_ns == fixtures::kCheckoutStart);
  SearchFilter by_cart;
  by_cart.service = "cart";
  rows = store->search(by_cart);
  REQUIRE(rows);
  CHECK(rows->size() == 1);
}

TEST_CASE("The same trace twice in one batch is merged inside the transaction", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  auto a = smallTrace(7, kNow, 10);
  auto b = smallTrace(7, kNow, 10);
  auto written = store->write(std::vector{a, b}, kNow);
  REQUIRE(written);
  CHECK(written->inserted == 1);
  CHECK(written->merged == 1);
  auto got = store->get(idOf(7));
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK((*got)->records.size() == 4);  // nothing lost; the tree will flag the duplicates
}

TEST_CASE("A trace handed over without a summary is summarized from its records", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  auto bare = std::make_shared<trace::DecidedTrace>();
  bare->trace_id = checkoutTraceId();
  bare->records = checkoutRecords();
  bare->decision.policy = "always";
  writeAll(*store, {bare});
  auto got = store->get(checkoutTraceId());
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK((*got)->summary.root_service == "api-gateway");
  CHECK((*got)->summary.duration_ns == 200 * kMs);
  CHECK((*got)->summary.error);
  CHECK((*got)->summary.span_count == 5);
}

TEST_CASE("Search filters on the indexed columns, newest start first", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  writeAll(*store,
           {
               smallTrace(1, kNow + 1 * kNanosPerSecond, 5, "shop", "GET /"),
               smallTrace(2, kNow + 2 * kNanosPerSecond, 500, "shop", "POST /buy", true, "errors"),
               smallTrace(3, kNow + 3 * kNanosPerSecond, 50, "auth", "login"),
               smallTrace(4, kNow + 4 * kNanosPerSecond, 1500, "shop", "GET /", false),
               smallTrace(5, kNow + 5 * kNanosPerSecond, 20, "auth", "GET /", true),
           });
  auto search = [&](SearchFilter filter) {
    auto rows = store->search(filter);
    INFO((rows ? std::string() : rows.error().message));
    REQUIRE(rows);
    return lowIds(*rows);
  };
  using Ids = std::vector<std::uint64_t>;
  CHECK(search({}) == Ids{5, 4, 3, 2, 1});
  CHECK(search({.service = "shop"}) == Ids{4, 2, 1});
  CHECK(search({.service = "db"}) == Ids{5, 4, 3, 2, 1});  // any span's service counts
  CHECK(search({.service = "nobody"}).empty());
  CHECK(search({.service = "shop", .operation = "GET /"}) == Ids{4, 1});
  CHECK(search({.operation = "GET /"}) == Ids{5, 4, 1});  // in any service
  CHECK(search({.service = "auth", .operation = "POST /buy"}).empty());
  CHECK(search({.min_duration_ns = 50 * kMs}) == Ids{4, 3, 2});
  CHECK(search({.min_duration_ns = 50 * kMs, .max_duration_ns = 500 * kMs}) == Ids{3, 2});
  CHECK(search({.error = true}) == Ids{5, 2});
  CHECK(search({.error = false}) == Ids{4, 3, 1});
  CHECK(search({.service = "shop", .error = true}) == Ids{2});
  CHECK(search({.start_min_ns = kNow + 2 * kNanosPerSecond,
                .start_max_ns = kNow + 4 * kNanosPerSecond}) == Ids{4, 3, 2});
  CHECK(search({.service = "auth", .start_max_ns = kNow + 4 * kNanosPerSecond}) == Ids{3});
  CHECK(search({.policy = "errors"}) == Ids{2});
  CHECK(search({.limit = 2}) == Ids{5, 4});
  CHECK(search({.service = "shop", .limit = 1}) == Ids{4});
  CHECK(search({.limit = 0}).empty());

  auto rows = store->search({.service = "shop", .error = true});
  REQUIRE(rows);
  REQUIRE(rows->size() == 1);
  const TraceRow& row = rows->front();
  CHECK(row.summary.root_service == "shop");
  CHECK(row.summary.root_operation == "POST /buy");
  CHECK(row.summary.duration_ns == 500 * kMs);
  CHECK(row.summary.services == std::vector<std::string>{"db", "shop"});
  CHECK(row.summary.span_count == 2);
  CHECK(row.summary.record_count == 2);
  CHECK(row.decision.policy == "errors");
  CHECK(row.kept_at_ns == kNow);
}

TEST_CASE("Services and operations are listed sorted and per service", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  writeAll(*store,
           {smallTrace(1, kNow, 5, "shop", "GET /"), smallTrace(2, kNow, 5, "shop", "POST /"),
            smallTrace(3, kNow, 5, "auth", "login")});
  auto services = store->services();
  REQUIRE(services);
  CHECK(*services == std::vector<std::string>{"auth", "db", "shop"});
  auto operations = store->operations("shop");
  REQUIRE(operations);
  CHECK(*operations == std::vector<std::string>{"GET /", "POST /"});
  operations = store->operations("db");
  REQUIRE(operations);
  CHECK(*operations == std::vector<std::string>{"select"});
  operations = store->operations("nobody");
  REQUIRE(operations);
  CHECK(operations->empty());
}

TEST_CASE("Retention deletes traces older than max_age and remembers them as expired", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  config.max_age = std::chrono::hours(1);
  config.max_size_bytes = 0;
  ManualClock clock(kNow);
  auto store = openStore(config);
  writeAll(*store, {smallTrace(1, kNow, 5, "old-service", "op")}, clock.now());
  clock.advance(std::chrono::minutes(30));
  writeAll(*store, {smallTrace(2, clock.now(), 5)}, clock.now());
  clock.advance(std::chrono::minutes(31));  // trace 1 is 61 minutes old, trace 2 is 31

  auto retention = store->enforceRetention(clock.now());
  REQUIRE(retention);
  CHECK(retention->deleted_by_age == 1);
  CHECK(retention->deleted_by_size == 0);
  CHECK(retention->complete);
  CHECK(store->traceCount() == 1);

  auto gone = store->get(idOf(1));
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
  auto expired = store->expired(idOf(1));
  REQUIRE(expired);
  REQUIRE(expired->has_value());
  CHECK((*expired)->reason == ExpiryReason::kAge);
  CHECK((*expired)->expired_at_ns == clock.now());
  auto kept = store->get(idOf(2));
  REQUIRE(kept);
  CHECK(kept->has_value());
  auto never = store->expired(idOf(99));
  REQUIRE(never);
  CHECK_FALSE(never->has_value());

  // Names only the deleted trace used are gone from the lists; search finds nothing of it.
  auto services = store->services();
  REQUIRE(services);
  CHECK(*services == std::vector<std::string>{"db", "shop"});
  auto rows = store->search({.service = "db"});
  REQUIRE(rows);
  CHECK(lowIds(*rows) == std::vector<std::uint64_t>{2});

  // Running again changes nothing.
  retention = store->enforceRetention(clock.now());
  REQUIRE(retention);
  CHECK(retention->deleted_by_age == 0);
}

TEST_CASE("Retention by age stops at the step limit and resumes", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  config.max_age = std::chrono::hours(1);
  auto store = openStore(config);
  std::vector<trace::DecidedTracePtr> traces;
  for (std::uint64_t i = 1; i <= 10; ++i) {
    traces.push_back(smallTrace(i, kNow, 5));
  }
  writeAll(*store, traces, kNow);
  const TimestampNs later = kNow + 2 * 3600 * kNanosPerSecond;
  auto first = store->enforceRetention(later, 4);
  REQUIRE(first);
  CHECK(first->deleted_by_age == 4);
  CHECK_FALSE(first->complete);
  auto second = store->enforceRetention(later, 100);
  REQUIRE(second);
  CHECK(second->deleted_by_age == 6);
  CHECK(second->complete);
  CHECK(store->traceCount() == 0);
}

TEST_CASE("Retention by size deletes the oldest traces until the store fits", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  config.max_age = std::chrono::seconds(0);
  config.max_size_bytes = StoreConfig::kMiB;
  auto store = openStore(config);
  // Random hex compresses only 2:1: ~4 KiB stored per trace, ~3 MiB in all.
  std::mt19937_64 random(7);
  auto noise = [&] {
    std::string text;
    for (int i = 0; i < 8192; ++i) {
      text += "0123456789abcdef"[random() % 16];
    }
    return text;
  };
  for (std::uint64_t batch = 0; batch < 8; ++batch) {
    std::vector<trace::DecidedTracePtr> traces;
    for (std::uint64_t i = 0; i < 100; ++i) {
      const std::uint64_t n = batch * 100 + i + 1;
      const TraceId id = idOf(n);
      record::RecordBatch records;
      records.push_back(makeRecord(id, RecordSpec{.service = "blob",
                                                  .operation = "put",
                                                  .span_id = "00000000000000a1",
                                                  .start_ns = kNow + static_cast<TimestampNs>(n),
                                                  .duration_ns = kMs,
                                                  .message = noise()}));
      traces.push_back(makeDecided(id, std::move(records)));
    }
    writeAll(*store, traces, kNow + static_cast<TimestampNs>(batch));
  }
  auto before = store->stats();
  REQUIRE(before);
  REQUIRE(before->used_bytes > 2 * StoreConfig::kMiB);

  auto retention = store->enforceRetention(kNow + kNanosPerSecond);
  REQUIRE(retention);
  CHECK(retention->deleted_by_size > 0);
  CHECK(retention->deleted_by_age == 0);
  auto after = store->stats();
  REQUIRE(after);
  CHECK(after->used_bytes <= config.max_size_bytes);
  CHECK(after->traces == store->traceCount());
  CHECK(after->traces + retention->deleted_by_size == 800);
  // Oldest first: the first trace is expired (by size), the last one is still there.
  auto oldest = store->expired(idOf(1));
  REQUIRE(oldest);
  REQUIRE(oldest->has_value());
  CHECK((*oldest)->reason == ExpiryReason::kSize);
  auto newest = store->get(idOf(800));
  REQUIRE(newest);
  CHECK(newest->has_value());
}

TEST_CASE("Expired ids are remembered only when expired_ids allows", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  config.max_age = std::chrono::hours(1);
  const std::uint32_t remembered = GENERATE(0u, 10u);
  CAPTURE(remembered);
  config.expired_ids = remembered;
  auto store = openStore(config);
  std::vector<trace::DecidedTracePtr> traces;
  for (std::uint64_t i = 1; i <= 30; ++i) {
    traces.push_back(smallTrace(i, kNow, 5));
  }
  writeAll(*store, traces, kNow);
  auto retention = store->enforceRetention(kNow + 2 * 3600 * kNanosPerSecond);
  REQUIRE(retention);
  CHECK(retention->deleted_by_age == 30);
  auto stats = store->stats();
  REQUIRE(stats);
  auto last = store->expired(idOf(30));
  REQUIRE(last);
  if (remembered == 0) {
    CHECK_FALSE(last->has_value());
  } else {
    CHECK(last->has_value());
    CHECK(stats->expired_ids >= remembered);
  }
}

TEST_CASE("Opening refuses files that are not a stitch store of a known schema", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);

  SECTION("not a database at all") {
    std::filesystem::create_directories(dir.path() / "store");
    std::ofstream(config.path) << "this is not SQLite, just text that is long enough to matter";
    auto opened = TraceStore::open(config);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == StoreErrorCode::kSchema);
  }
  SECTION("a database of someone else") {
    std::filesystem::create_directories(dir.path() / "store");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(config.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE users (name TEXT)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
    auto opened = TraceStore::open(config);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == StoreErrorCode::kSchema);
  }
  SECTION("a store written by a newer stitch") {
    { openStore(config); }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(config.path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
    auto opened = TraceStore::open(config);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == StoreErrorCode::kTooNew);
    auto reader = TraceReader::open(config.path);
    REQUIRE_FALSE(reader);
    CHECK(reader.error().code == StoreErrorCode::kTooNew);
  }
  SECTION("a directory that cannot be created") {
    std::ofstream(dir.file("plain-file")) << "x";
    config.path = dir.file("plain-file/traces.db");
    auto opened = TraceStore::open(config);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == StoreErrorCode::kOpen);
  }
  SECTION("a reader of a store that does not exist") {
    auto reader = TraceReader::open(dir.file("missing.db"));
    REQUIRE_FALSE(reader);
    CHECK(reader.error().code == StoreErrorCode::kOpen);
  }
}

TEST_CASE("A corrupt stored blob is reported, not crashed on", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  {
    auto store = openStore(config);
    writeAll(*store, {smallTrace(1, kNow, 5)});
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(config.path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE chunks SET records = x'01deadbeef'", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto store = openStore(config);
  auto got = store->get(idOf(1));
  REQUIRE_FALSE(got);
  CHECK(got.error().code == StoreErrorCode::kCorrupt);
  // A late batch for it cannot be merged; the write goes on without it.
  auto written = store->write(std::vector{smallTrace(1, kNow, 5), smallTrace(2, kNow, 5)}, kNow);
  REQUIRE(written);
  CHECK(written->skipped == 1);
  CHECK(written->inserted == 1);
}

TEST_CASE("Traces without records are skipped", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  auto empty = std::make_shared<trace::DecidedTrace>();
  empty->trace_id = idOf(3);
  auto written = store->write(std::vector<trace::DecidedTracePtr>{empty, nullptr}, kNow);
  REQUIRE(written);
  CHECK(written->skipped == 2);
  CHECK(store->traceCount() == 0);
}

TEST_CASE("Readers from a pool see what the writer committed", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  auto store = openStore(config);
  ReaderPool pool(config.path, 1);
  {
    auto lease = pool.acquire();
    REQUIRE(lease);
    auto got = (*lease)->get(idOf(1));
    REQUIRE(got);
    CHECK_FALSE(got->has_value());
  }
  writeAll(*store, {smallTrace(1, kNow, 5)});
  auto a = pool.acquire();
  auto b = pool.acquire();  // a second connection while the first is leased
  REQUIRE(a);
  REQUIRE(b);
  auto got = (*a)->get(idOf(1));
  REQUIRE(got);
  CHECK(got->has_value());
  auto rows = (*b)->search({});
  REQUIRE(rows);
  CHECK(rows->size() == 1);
}

TEST_CASE("Stats report the traces and the bytes in use", "[store]") {
  TempDir dir;
  auto store = openStore(configIn(dir));
  writeAll(*store, {smallTrace(1, kNow, 5)}, kNow);
  writeAll(*store, {smallTrace(2, kNow, 5)}, kNow + 10);
  auto stats = store->stats();
  REQUIRE(stats);
  CHECK(stats->traces == 2);
  CHECK(stats->used_bytes > 0);
  CHECK(stats->file_bytes >= stats->used_bytes);
  CHECK(stats->oldest_kept_at_ns == kNow);
  CHECK(stats->newest_kept_at_ns == kNow + 10);
}

TEST_CASE("StoreConfig and QueryConfig report every problem", "[store]") {
  StoreConfig config;
  CHECK(config.validate().empty());
  config.path = "";
  config.batch_size = 0;
  config.flush_interval = std::chrono::milliseconds(0);
  config.compression_level = 0;
  config.max_size_bytes = 1000;
  const auto problems = config.validate();
  std::vector<std::string> paths;
  for (const auto& p : problems) {
    paths.push_back(p.path);
  }
  CHECK(paths == std::vector<std::string>{"path", "max_size_bytes", "batch_size", "flush_interval",
                                          "compression_level"});
  StoreConfig disabled;
  disabled.enabled = false;
  disabled.path = "";
  CHECK(disabled.validate().empty());

  QueryConfig query;
  CHECK(query.validate().empty());
  query.default_limit = 5000;
  CHECK(query.validate() == ConfigProblems{{"default_limit", "must not exceed max_limit"}});
}

TEST_CASE("Late records after a restart still merge into the stored trace", "[store]") {
  TempDir dir;
  const StoreConfig config = configIn(dir);
  { openStore(config)->write(std::vector{smallTrace(1, kNow, 5)}, kNow).value(); }
  auto store = openStore(config);
  auto written = store->write(std::vector{smallTrace(1, kNow, 5)}, kNow + 1);
  REQUIRE(written);
  CHECK(written->merged == 1);
  CHECK(store->traceCount() == 1);
}

TEST_CASE("Trace ids are found across generations of the id index", "[store]") {
  TempDir dir;
  StoreConfig config = configIn(dir);
  config.max_age = std::chrono::hours(1);
  auto store = openStore(config);
  // More than one generation (2^kGenerationShift rows), in batches like the writer's.
  constexpr std::uint64_t kTraces = (1u << kGenerationShift) + 1000;
  const TraceId one = idOf(1);
  record::RecordBatch shared;
  shared.push_back(makeRecord(one, RecordSpec{.service = "s",
                                              .operation = "o",
                                              .span_id = "00000000000000a1",
                                              .start_ns = kNow,
                                              .duration_ns = kMs}));
  auto base = makeDecided(one, std::move(shared));
  std::vector<trace::DecidedTracePtr> batch;
  for (std::uint64_t n = 1; n <= kTraces; ++n) {
    auto t = std::make_shared<trace::DecidedTrace>();
    t->trace_id = idOf(n);
    t->summary = base->summary;
    t->decision = base->decision;
    t->records.push_back(base->records.front()->clone());
    batch.push_back(std::move(t));
    if (batch.size() == 4096 || n == kTraces) {
      writeAll(*store, batch, n <= 4096 ? kNow : kNow + 2 * 3600 * kNanosPerSecond);
      batch.clear();
    }
  }
  for (const std::uint64_t n : {std::uint64_t{1}, std::uint64_t{16384}, kTraces}) {
    CAPTURE(n);
    auto got = store->get(idOf(n));
    REQUIRE(got);
    CHECK(got->has_value());
  }
  // The first batch (4096 traces, written two hours earlier) goes by age; the rest stays.
  auto retention = store->enforceRetention(kNow + 2 * 3600 * kNanosPerSecond + kNanosPerSecond);
  REQUIRE(retention);
  CHECK(retention->deleted_by_age == 4096);
  auto gone = store->expired(idOf(7));
  REQUIRE(gone);
  CHECK(gone->has_value());
  auto live = store->get(idOf(kTraces));
  REQUIRE(live);
  CHECK(live->has_value());
}
