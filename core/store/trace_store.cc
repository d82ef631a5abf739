#include "core/store/trace_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include <sqlite3.h>

#include "core/store/record_codec.h"
#include "core/store/sqlite.h"

namespace stitch::store {
namespace detail {

// One SQLite connection with the statements every reader needs.
struct Connection {
  std::string path;
  sqlite::Database db;
  RecordCodec codec;
  sqlite::Statement find_rows;  // rows (live or deleted) whose trace id matches
  sqlite::Statement get_row;
  sqlite::Statement get_parts;
  sqlite::Statement get_chunk;
  sqlite::Statement retention_for;
  sqlite::Statement list_services;
  sqlite::Statement list_operations;
  sqlite::Statement service_id;
  sqlite::Statement operation_ids;
  sqlite::Statement service_operation_id;
  std::map<std::string, sqlite::Statement, std::less<>> searches;  // by SQL text

  // The last chunk decompressed. Chunks never change once written and their ids only grow
  // while the process lives, so the bytes stay valid across calls.
  std::int64_t chunk_id = -1;
  std::string chunk;

  explicit Connection(int compression_level) : codec(compression_level) {}
};

}  // namespace detail

namespace {

using detail::Connection;
using sqlite::ResetGuard;
using sqlite::Statement;

constexpr int kBusyTimeoutMs = 5000;
constexpr char kServiceSeparator = '\n';
constexpr std::uint64_t kRetentionBatch = 5000;  // deletes per transaction
constexpr std::int64_t kSeverityError = 17;      // OpenTelemetry SeverityNumber ERROR
// Ids the writer remembers having written, so that late records find their trace without a
// disk lookup. A late batch for an older trace becomes a second row that reads merge.
constexpr std::size_t kRecentIds = std::size_t{1} << 18;

// Schema migrations, applied in order: entry i takes a file from version i to i + 1. Never
// edit a released entry; append one.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);
CREATE TABLE traces (
  id INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL,
  start_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  root_service TEXT NOT NULL,
  root_operation TEXT NOT NULL,
  services TEXT NOT NULL,
  error INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  policy TEXT NOT NULL,
  decided_at_ns INTEGER NOT NULL,
  early INTEGER NOT NULL,
  kept_at_ns INTEGER NOT NULL,
  writes INTEGER NOT NULL,
  chunk INTEGER NOT NULL,
  chunk_offset INTEGER NOT NULL,
  chunk_length INTEGER NOT NULL,
  service_ids BLOB NOT NULL,
  operation_ids BLOB NOT NULL
);
CREATE INDEX traces_by_start ON traces (start_ns);
CREATE INDEX traces_with_error_by_start ON traces (start_ns) WHERE error = 1;
CREATE TABLE trace_keys (
  generation INTEGER NOT NULL,
  key INTEGER NOT NULL,
  trace INTEGER NOT NULL,
  id_hi INTEGER NOT NULL,
  PRIMARY KEY (generation, key, trace)
) WITHOUT ROWID;
CREATE TABLE trace_parts (
  trace INTEGER NOT NULL,
  part INTEGER NOT NULL,
  chunk INTEGER NOT NULL,
  chunk_offset INTEGER NOT NULL,
  chunk_length INTEGER NOT NULL,
  PRIMARY KEY (trace, part)
) WITHOUT ROWID;
CREATE TABLE chunks (id INTEGER PRIMARY KEY, records BLOB NOT NULL);
CREATE TABLE services (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  last_trace INTEGER NOT NULL
);
CREATE TABLE operations (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  last_trace INTEGER NOT NULL,
  UNIQUE (service_id, name)
);
CREATE INDEX operations_by_name ON operations (name);
CREATE TABLE trace_services (
  service_id INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  trace INTEGER NOT NULL,
  PRIMARY KEY (service_id, start_ns, trace)
) WITHOUT ROWID;
CREATE TABLE retention_log (
  last_trace INTEGER PRIMARY KEY,
  first_trace INTEGER NOT NULL,
  expired_at_ns INTEGER NOT NULL,
  reason INTEGER NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

constexpr const char* kRowColumns =
    "t.trace_id, t.start_ns, t.duration_ns, t.root_service, t.root_operation, t.services, "
    "t.error, t.span_count, t.record_count, t.bytes, t.policy, t.decided_at_ns, t.early, "
    "t.kept_at_ns, t.writes";
constexpr int kRowColumnCount = 15;

StoreErrorCode codeFor(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreErrorCode::kBusy;
    case SQLITE_FULL:
      return StoreErrorCode::kFull;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreErrorCode::kCorrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return StoreErrorCode::kOpen;
    default:
      return StoreErrorCode::kIo;
  }
}

Unexpected<StoreError> failure(const Connection& c, int rc, std::string_view what) {
  return Unexpected(StoreError{codeFor(rc), std::string(what) + ": " + c.db.errorMessage()});
}

Unexpected<StoreError> failure(StoreErrorCode code, std::string message) {
  return Unexpected(StoreError{code, std::move(message)});
}

// 16 bytes, big-endian: byte order is id order.
std::array<char, 16> idBytes(const TraceId& id) noexcept {
  std::array<char, 16> out;
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(id.hi >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(id.lo >> (56 - 8 * i));
  }
  return out;
}

TraceId idFromBytes(std::string_view bytes) noexcept {
  TraceId id;
  if (bytes.size() != 16) {
    return id;
  }
  for (int i = 0; i < 8; ++i) {
    id.hi = (id.hi << 8) | static_cast<unsigned char>(bytes[i]);
    id.lo = (id.lo << 8) | static_cast<unsigned char>(bytes[8 + i]);
  }
  return id;
}

std::string_view viewOf(const std::array<char, 16>& bytes) noexcept {
  return {bytes.data(), bytes.size()};
}

std::int64_t generationOf(std::int64_t row) noexcept {
  return row >> kGenerationShift;
}

std::string joinServices(const std::vector<std::string>& services) {
  std::string out;
  for (const auto& s : services) {
    if (!out.empty()) {
      out += kServiceSeparator;
    }
    out += s;
  }
  return out;
}

std::vector<std::string> splitServices(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    const std::size_t end = joined.find(kServiceSeparator);
    out.emplace_back(joined.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    joined.remove_prefix(end + 1);
  }
  return out;
}

// Ids packed as unsigned LEB128 varints (names have small ids: a byte or two each): which
// trace_services rows a trace owns, so that deleting it removes exactly those, and which
// operations it has, for operation= searches.
std::string packIds(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (const std::int64_t id : ids) {
    auto v = static_cast<std::uint64_t>(id);
    do {
      const auto byte = static_cast<unsigned char>(v & 0x7f);
      v >>= 7;
      out.push_back(static_cast<char>(v != 0 ? byte | 0x80 : byte));
    } while (v != 0);
  }
  return out;
}

// Calls `f(id)` for each id; stops early (returning true) when f returns true.
template <class F>
bool forEachId(std::string_view packed, F&& f) {
  std::uint64_t v = 0;
  int shift = 0;
  for (const char c : packed) {
    const auto byte = static_cast<unsigned char>(c);
    if (shift < 64) {
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    }
    shift += 7;
    if ((byte & 0x80) == 0) {
      if (f(static_cast<std::int64_t>(v))) {
        return true;
      }
      v = 0;
      shift = 0;
    }
  }
  return false;
}

std::vector<std::int64_t> unpackIds(std::string_view packed) {
  std::vector<std::int64_t> ids;
  forEachId(packed, [&](std::int64_t id) {
    ids.push_back(id);
    return false;
  });
  return ids;
}

// SQL: stitch_has_id(packed, id, ...): whether the packed ids hold any of the given ids.
void hasIdFunction(sqlite3_context* context, int argc, sqlite3_value** argv) {
  const void* blob = sqlite3_value_blob(argv[0]);
  const int size = sqlite3_value_bytes(argv[0]);
  const std::string_view packed(static_cast<const char*>(blob), blob == nullptr ? 0 : size);
  const bool found = forEachId(packed, [&](std::int64_t id) {
    for (int i = 1; i < argc; ++i) {
      if (sqlite3_value_int64(argv[i]) == id) {
        return true;
      }
    }
    return false;
  });
  sqlite3_result_int(context, found ? 1 : 0);
}

void addUnique(std::vector<std::int64_t>& ids, std::int64_t id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
    ids.push_back(id);
  }
}

// Reads the kRowColumns of a statement positioned on a row.
TraceRow readRow(const Statement& s) {
  TraceRow row;
  row.trace_id = idFromBytes(s.columnBlob(0));
  row.summary.start_ns = s.columnInt(1);
  row.summary.duration_ns = s.columnInt(2);
  row.summary.root_service = std::string(s.columnText(3));
  row.summary.root_operation = std::string(s.columnText(4));
  row.summary.services = splitServices(s.columnText(5));
  row.summary.error = s.columnInt(6) != 0;
  row.summary.span_count = static_cast<std::uint32_t>(s.columnInt(7));
  row.summary.record_count = static_cast<std::uint32_t>(s.columnInt(8));
  row.summary.bytes = static_cast<std::uint64_t>(s.columnInt(9));
  row.decision.decision = trace::Decision::kKeep;
  row.decision.policy = std::string(s.columnText(10));
  row.decision.decided_at_ns = s.columnInt(11);
  row.decision.early = s.columnInt(12) != 0;
  row.kept_at_ns = s.columnInt(13);
  row.writes = static_cast<std::uint32_t>(s.columnInt(14));
  return row;
}

bool recordIsError(const record::Record& r) noexcept {
  return r.status == record::Status::kError || r.severity_number >= kSeverityError;
}

// The time a record covers starts at a span's start or at a log event's instant.
TimestampNs recordStart(const record::Record& r) noexcept {
  return r.isSpan() ? r.start_ns : r.timestamp_ns;
}

// Combines the summaries of two rows of one trace (a late part written as a row of its own).
void mergeRows(TraceRow& into, const TraceRow& other) {
  TraceSummary& a = into.summary;
  const TraceSummary& b = other.summary;
  const TimestampNs end = std::max(a.start_ns + a.duration_ns, b.start_ns + b.duration_ns);
  if (b.start_ns < a.start_ns && !b.root_service.empty()) {
    a.root_service = b.root_service;
    a.root_operation = b.root_operation;
  }
  a.start_ns = std::min(a.start_ns, b.start_ns);
  a.duration_ns = end - a.start_ns;
  for (const auto& s : b.services) {
    if (std::find(a.services.begin(), a.services.end(), s) == a.services.end()) {
      a.services.push_back(s);
    }
  }
  std::sort(a.services.begin(), a.services.end());
  a.error = a.error || b.error;
  a.span_count = std::max(a.span_count, b.span_count);
  a.record_count += b.record_count;
  a.bytes += b.bytes;
  into.writes += other.writes;
}

// Where a part of a trace's records lies: [offset, offset + length) of a chunk's bytes.
struct Slice {
  std::int64_t chunk = 0;
  std::int64_t offset = 0;
  std::int64_t length = 0;
};

StoreResult<int> readSchemaVersion(Connection& c) {
  Statement exists;
  int rc = exists.prepare(c.db.get(),
                          "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  if (rc != SQLITE_OK) {
    return failure(StoreErrorCode::kSchema,
                   c.path + ": not a stitch trace store (" + c.db.errorMessage() + ")");
  }
  exists.bindText(1, "schema_version");
  if (exists.step() != SQLITE_ROW) {
    return failure(StoreErrorCode::kSchema,
                   c.path + ": not a stitch trace store (" + c.db.errorMessage() + ")");
  }
  if (exists.columnInt(0) == 0) {
    const std::int64_t tables =
        c.db.queryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", -1);
    if (tables != 0) {
      return failure(StoreErrorCode::kSchema,
                     c.path + ": not a stitch trace store (it holds other tables)");
    }
    return 0;
  }
  const std::int64_t version = c.db.queryInt("SELECT version FROM schema_version", -1);
  if (version < 0) {
    return failure(StoreErrorCode::kSchema, c.path + ": schema_version is empty");
  }
  return static_cast<int>(version);
}

StoreResult<bool> prepareReadStatements(Connection& c) {
  struct Entry {
    Statement* statement;
    std::string sql;
  };
  const Entry entries[] = {
      // One index probe per generation, newest rows last.
      {&c.find_rows,
       "WITH RECURSIVE g(n) AS (SELECT min(generation) FROM trace_keys UNION ALL "
       "SELECT n + 1 FROM g WHERE n < (SELECT max(generation) FROM trace_keys)) "
       "SELECT k.trace FROM g CROSS JOIN trace_keys k ON k.generation = g.n AND k.key = ?1 "
       "WHERE k.id_hi = ?2 ORDER BY k.trace"},
      {&c.get_row, std::string("SELECT ") + kRowColumns +
                       ", t.chunk, t.chunk_offset, t.chunk_length FROM traces t WHERE t.id = ?1"},
      {&c.get_parts,
       "SELECT chunk, chunk_offset, chunk_length FROM trace_parts WHERE trace = ?1 ORDER BY part"},
      {&c.get_chunk, "SELECT records FROM chunks WHERE id = ?1"},
      {&c.retention_for,
       "SELECT first_trace, expired_at_ns, reason FROM retention_log WHERE last_trace >= ?1 "
       "ORDER BY last_trace LIMIT 1"},
      {&c.list_services, "SELECT name FROM services ORDER BY name"},
      {&c.list_operations,
       "SELECT o.name FROM operations o JOIN services s ON s.id = o.service_id "
       "WHERE s.name = ?1 ORDER BY o.name"},
      {&c.service_id, "SELECT id FROM services WHERE name = ?1"},
      {&c.operation_ids, "SELECT id FROM operations WHERE name = ?1"},
      {&c.service_operation_id, "SELECT id FROM operations WHERE service_id = ?1 AND name = ?2"},
  };
  for (const auto& e : entries) {
    const int rc = e.statement->prepare(c.db.get(), e.sql);
    if (rc != SQLITE_OK) {
      return failure(c, rc, "preparing a query");
    }
  }
  return true;
}

StoreResult<std::unique_ptr<Connection>> openConnection(const std::string& path,
                                                        bool read_only,
                                                        int compression_level) {
  auto c = std::make_unique<Connection>(compression_level);
  c->path = path;
  const int rc = c->db.open(path, false);
  if (rc != SQLITE_OK) {
    return failure(StoreErrorCode::kOpen, path + ": " + c->db.errorMessage());
  }
  sqlite3_busy_timeout(c->db.get(), kBusyTimeoutMs);
  sqlite3_create_function_v2(c->db.get(), "stitch_has_id", -1,
                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                             hasIdFunction, nullptr, nullptr, nullptr);
  if (read_only) {
    // query_only instead of SQLITE_OPEN_READONLY: a read-only connection to a WAL database
    // needs write access to the -shm file anyway, and this refuses writes just the same.
    c->db.exec("PRAGMA query_only = 1; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456");
  }
  return c;
}

// Rows (live or deleted by retention, while remembered) whose trace id is `trace_id`.
StoreResult<bool> findRows(Connection& c,
                           const TraceId& trace_id,
                           std::vector<std::int64_t>& rows) {
  Statement& s = c.find_rows;
  ResetGuard guard(s);
  s.bind(1, static_cast<std::int64_t>(trace_id.lo)).bind(2, static_cast<std::int64_t>(trace_id.hi));
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    rows.push_back(s.columnInt(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "looking up a trace id");
  }
  return true;
}

// Decompresses chunk `id` into c.chunk (unless it is there already).
StoreResult<bool> loadChunk(Connection& c, std::int64_t id) {
  if (c.chunk_id == id) {
    return true;
  }
  Statement& s = c.get_chunk;
  ResetGuard guard(s);
  s.bind(1, id);
  const int rc = s.step();
  if (rc != SQLITE_ROW) {
    return rc == SQLITE_DONE
               ? failure(StoreErrorCode::kCorrupt, "chunk " + std::to_string(id) + " is missing")
               : failure(c, rc, "reading a chunk");
  }
  c.chunk_id = -1;
  CodecError error{};
  if (!c.codec.decompress(s.columnBlob(0), c.chunk, error)) {
    return failure(StoreErrorCode::kCorrupt,
                   "chunk " + std::to_string(id) + " is " + std::string(codecErrorName(error)));
  }
  c.chunk_id = id;
  return true;
}

StoreResult<bool> readSlice(Connection& c, const Slice& slice, record::RecordBatch& out) {
  auto loaded = loadChunk(c, slice.chunk);
  if (!loaded) {
    return loaded;
  }
  if (slice.offset < 0 || slice.length < 0 ||
      static_cast<std::uint64_t>(slice.offset + slice.length) > c.chunk.size() ||
      !deserializeRecords(std::string_view(c.chunk).substr(static_cast<std::size_t>(slice.offset),
                                                           static_cast<std::size_t>(slice.length)),
                          out)) {
    return failure(StoreErrorCode::kCorrupt,
                   "chunk " + std::to_string(slice.chunk) + " does not hold the records it should");
  }
  return true;
}

// The later parts (late records) of the trace in row `row`, in write order.
StoreResult<bool> readParts(Connection& c, std::int64_t row, std::vector<Slice>& parts) {
  Statement& s = c.get_parts;
  ResetGuard guard(s);
  s.bind(1, row);
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    parts.push_back(Slice{s.columnInt(0), s.columnInt(1), s.columnInt(2)});
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "reading a trace's parts");
  }
  return true;
}

}  // namespace

std::string_view storeErrorName(StoreErrorCode code) noexcept {
  switch (code) {
    case StoreErrorCode::kOpen:
      return "open";
    case StoreErrorCode::kSchema:
      return "schema";
    case StoreErrorCode::kTooNew:
      return "too_new";
    case StoreErrorCode::kBusy:
      return "busy";
    case StoreErrorCode::kFull:
      return "full";
    case StoreErrorCode::kIo:
      return "io";
    case StoreErrorCode::kCorrupt:
      return "corrupt";
  }
  return "io";
}

std::string_view expiryReasonName(ExpiryReason reason) noexcept {
  return reason == ExpiryReason::kSize ? "size" : "age";
}

// Widens `summary` (of the records already stored) by late records. The root changes only when
// a late record is a true root span (no parent) that starts no later than the stored trace.
// With an empty `summary` and no stored records it summarizes `late` alone: the fallback for
// traces handed to the store without a summary.
void widenSummary(TraceSummary& summary,
                  const record::RecordBatch& stored,
                  const record::RecordBatch& late) {
  bool have_span = summary.record_count > 0;
  TimestampNs start = summary.start_ns;
  TimestampNs end = summary.start_ns + summary.duration_ns;
  auto widen = [&](const record::Record& r) {
    if (!have_span) {
      start = recordStart(r);
      end = r.endNs();
      have_span = true;
      return;
    }
    start = std::min(start, recordStart(r));
    end = std::max(end, r.endNs());
  };
  if (!have_span) {
    for (const auto& r : stored) {
      widen(*r);
    }
  }
  std::vector<std::string>& services = summary.services;
  for (const auto& r : late) {
    widen(*r);
    summary.error = summary.error || recordIsError(*r);
    summary.bytes += r->raw().size();
    const std::string_view service = r->serviceName();
    if (!service.empty() &&
        std::find(services.begin(), services.end(), service) == services.end()) {
      services.emplace_back(service);
    }
    if (r->isSpan() && r->span_id.isValid() && !r->parent_span_id.isValid() &&
        (summary.root_service.empty() || r->start_ns <= summary.start_ns)) {
      summary.root_service = std::string(r->serviceName());
      summary.root_operation = std::string(r->operationName());
    }
  }
  std::sort(services.begin(), services.end());
  summary.start_ns = start;
  summary.duration_ns = end - start;
  summary.record_count += static_cast<std::uint32_t>(late.size());

  // Spans are the distinct span ids named by records (span records and log events alike).
  std::unordered_set<std::uint64_t> span_ids;
  for (const auto* batch : {&stored, &late}) {
    for (const auto& r : *batch) {
      if (r->span_id.isValid()) {
        span_ids.insert(r->span_id.value);
      }
    }
  }
  summary.span_count = std::max(summary.span_count, static_cast<std::uint32_t>(span_ids.size()));
}

// ---------------------------------------------------------------------------------------------
// TraceReader

TraceReader::TraceReader(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

TraceReader::~TraceReader() = default;

StoreResult<std::unique_ptr<TraceReader>> TraceReader::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return failure(StoreErrorCode::kOpen, path + ": no such store");
  }
  auto opened = openConnection(path, true, 1);
  if (!opened) {
    return Unexpected(std::move(opened).error());
  }
  auto version = readSchemaVersion(**opened);
  if (!version) {
    return Unexpected(std::move(version).error());
  }
  if (*version != kSchemaVersion) {
    return failure(*version > kSchemaVersion ? StoreErrorCode::kTooNew : StoreErrorCode::kSchema,
                   path + ": schema version " + std::to_string(*version) + ", this build reads " +
                       std::to_string(kSchemaVersion));
  }
  auto prepared = prepareReadStatements(**opened);
  if (!prepared) {
    return Unexpected(std::move(prepared).error());
  }
  return std::unique_ptr<TraceReader>(new TraceReader(std::move(opened).value()));
}

StoreResult<std::optional<StoredTrace>> TraceReader::get(const TraceId& trace_id) {
  Connection& c = *connection_;
  std::vector<std::int64_t> rows;
  if (auto found = findRows(c, trace_id, rows); !found) {
    return Unexpected(std::move(found).error());
  }
  std::optional<StoredTrace> stored;
  std::optional<TraceRow> merged;
  std::vector<Slice> slices;
  for (const std::int64_t row : rows) {
    Statement& s = c.get_row;
    ResetGuard guard(s);
    s.bind(1, row);
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
      continue;  // deleted by retention; expired() tells when
    }
    if (rc != SQLITE_ROW) {
      return failure(c, rc, "reading a trace");
    }
    TraceRow this_row = readRow(s);
    if (this_row.trace_id != trace_id) {
      continue;
    }
    slices.push_back(Slice{s.columnInt(kRowColumnCount), s.columnInt(kRowColumnCount + 1),
                           s.columnInt(kRowColumnCount + 2)});
    if (auto parts = readParts(c, row, slices); !parts) {
      return Unexpected(std::move(parts).error());
    }
    if (merged) {
      mergeRows(*merged, this_row);
    } else {
      merged = std::move(this_row);
    }
  }
  if (!merged) {
    return stored;
  }
  stored.emplace();
  stored->trace_id = trace_id;
  stored->summary = std::move(merged->summary);
  stored->decision = std::move(merged->decision);
  stored->kept_at_ns = merged->kept_at_ns;
  stored->writes = merged->writes;
  for (const Slice& slice : slices) {
    auto read = readSlice(c, slice, stored->records);
    if (!read) {
      StoreError error = std::move(read).error();
      error.message = "trace " + trace_id.hex() + ": " + error.message;
      return Unexpected(std::move(error));
    }
    stored->serialized_bytes += static_cast<std::uint64_t>(slice.length);
  }
  return stored;
}

StoreResult<std::optional<ExpiredTrace>> TraceReader::expired(const TraceId& trace_id) {
  Connection& c = *connection_;
  std::vector<std::int64_t> rows;
  if (auto found = findRows(c, trace_id, rows); !found) {
    return Unexpected(std::move(found).error());
  }
  // The newest deletion of a row of this trace that is still remembered.
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    Statement& s = c.retention_for;
    ResetGuard guard(s);
    s.bind(1, *it);
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
      continue;
    }
    if (rc != SQLITE_ROW) {
      return failure(c, rc, "reading expired ids");
    }
    if (s.columnInt(0) > *it) {
      continue;  // not a deleted row: it is live (or its deletion is forgotten)
    }
    ExpiredTrace expired;
    expired.expired_at_ns = s.columnInt(1);
    expired.reason = s.columnInt(2) == static_cast<int>(ExpiryReason::kSize) ? ExpiryReason::kSize
                                                                             : ExpiryReason::kAge;
    return std::optional<ExpiredTrace>(expired);
  }
  return std::optional<ExpiredTrace>();
}

StoreResult<std::vector<TraceRow>> TraceReader::search(const SearchFilter& filter) {
  Connection& c = *connection_;
  std::vector<TraceRow> rows;
  if (filter.limit == 0) {
    return rows;
  }

  // Pick the narrowest index: an operation's rows, a service's rows, or traces by start.
  std::vector<std::int64_t> operation_ids;
  std::int64_t service_id = 0;
  if (!filter.service.empty()) {
    ResetGuard guard(c.service_id);
    c.service_id.bindText(1, filter.service);
    const int rc = c.service_id.step();
    if (rc == SQLITE_DONE) {
      return rows;  // a service never stored matches nothing
    }
    if (rc != SQLITE_ROW) {
      return failure(c, rc, "searching");
    }
    service_id = c.service_id.columnInt(0);
  }
  if (!filter.operation.empty()) {
    Statement& s = filter.service.empty() ? c.operation_ids : c.service_operation_id;
    ResetGuard guard(s);
    if (filter.service.empty()) {
      s.bindText(1, filter.operation);
    } else {
      s.bind(1, service_id).bindText(2, filter.operation);
    }
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
      operation_ids.push_back(s.columnInt(0));
    }
    if (rc != SQLITE_DONE) {
      return failure(c, rc, "searching");
    }
    if (operation_ids.empty()) {
      return rows;
    }
  }

  // ?1, ?2: start bounds; ?3: the service id; ?4..: the remaining filters. Operations are not
  // indexed on their own (it would double the index rows written per trace): they filter the
  // service's traces, or all traces when no service is given.
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM ";
  std::string order;
  if (service_id != 0) {
    sql +=
        "trace_services s JOIN traces t ON t.id = s.trace WHERE s.start_ns BETWEEN ?1 AND ?2 "
        "AND s.service_id = ?3";
    order = " ORDER BY s.start_ns DESC, s.trace DESC";
  } else {
    sql += "traces t WHERE t.start_ns BETWEEN ?1 AND ?2 AND ?3 = ?3";
    order = " ORDER BY t.start_ns DESC, t.id DESC";
  }
  if (!operation_ids.empty()) {
    sql += " AND stitch_has_id(t.operation_ids";
    for (const std::int64_t id : operation_ids) {
      sql += ", " + std::to_string(id);
    }
    sql += ")";
  }
  if (filter.min_duration_ns) {
    sql += " AND t.duration_ns >= ?4";
  }
  if (filter.max_duration_ns) {
    sql += " AND t.duration_ns <= ?5";
  }
  if (filter.error) {
    sql += *filter.error ? " AND t.error = 1" : " AND t.error = 0";
  }
  if (!filter.policy.empty()) {
    sql += " AND t.policy = ?6";
  }
  sql += order + " LIMIT ?7";

  auto found = c.searches.find(sql);
  if (found == c.searches.end()) {
    Statement prepared;
    const int rc = prepared.prepare(c.db.get(), sql);
    if (rc != SQLITE_OK) {
      return failure(c, rc, "preparing a search");
    }
    found = c.searches.emplace(sql, std::move(prepared)).first;
  }
  Statement& s = found->second;
  ResetGuard guard(s);
  s.bind(1, filter.start_min_ns.value_or(std::numeric_limits<std::int64_t>::min()));
  s.bind(2, filter.start_max_ns.value_or(std::numeric_limits<std::int64_t>::max()));
  s.bind(3, service_id);
  if (filter.min_duration_ns) {
    s.bind(4, *filter.min_duration_ns);
  }
  if (filter.max_duration_ns) {
    s.bind(5, *filter.max_duration_ns);
  }
  if (!filter.policy.empty()) {
    s.bindText(6, filter.policy);
  }
  s.bind(7, static_cast<std::int64_t>(filter.limit));
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    TraceRow row = readRow(s);
    // A late part written as a row of its own (see kRecentIds) shows as one result.
    const bool seen = std::any_of(rows.begin(), rows.end(),
                                  [&](const TraceRow& r) { return r.trace_id == row.trace_id; });
    if (!seen) {
      rows.push_back(std::move(row));
    }
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "searching");
  }
  return rows;
}

StoreResult<std::vector<std::string>> TraceReader::services() {
  Connection& c = *connection_;
  ResetGuard guard(c.list_services);
  std::vector<std::string> names;
  int rc = 0;
  while ((rc = c.list_services.step()) == SQLITE_ROW) {
    names.emplace_back(c.list_services.columnText(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "listing services");
  }
  return names;
}

StoreResult<std::vector<std::string>> TraceReader::operations(std::string_view service) {
  Connection& c = *connection_;
  ResetGuard guard(c.list_operations);
  c.list_operations.bindText(1, service);
  std::vector<std::string> names;
  int rc = 0;
  while ((rc = c.list_operations.step()) == SQLITE_ROW) {
    names.emplace_back(c.list_operations.columnText(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "listing operations");
  }
  return names;
}

StoreResult<StoreStats> TraceReader::stats() {
  Connection& c = *connection_;
  StoreStats stats;
  const std::int64_t page_size = c.db.queryInt("PRAGMA page_size");
  const std::int64_t pages = c.db.queryInt("PRAGMA page_count");
  const std::int64_t free_pages = c.db.queryInt("PRAGMA freelist_count");
  stats.file_bytes = static_cast<std::uint64_t>(pages * page_size);
  stats.used_bytes = static_cast<std::uint64_t>((pages - free_pages) * page_size);
  stats.traces = static_cast<std::uint64_t>(c.db.queryInt("SELECT count(*) FROM traces"));
  // Keys of rows below the oldest live row belong to deleted traces still remembered.
  stats.expired_ids = static_cast<std::uint64_t>(
      c.db.queryInt("SELECT count(*) FROM trace_keys WHERE trace < "
                    "(SELECT coalesce(min(id), 9223372036854775807) FROM traces)"));
  stats.oldest_kept_at_ns = c.db.queryInt("SELECT kept_at_ns FROM traces ORDER BY id LIMIT 1");
  stats.newest_kept_at_ns = c.db.queryInt("SELECT kept_at_ns FROM traces ORDER BY id DESC LIMIT 1");
  std::error_code ec;
  const auto wal = std::filesystem::file_size(c.path + "-wal", ec);
  stats.wal_bytes = ec ? 0 : static_cast<std::uint64_t>(wal);
  return stats;
}

// ---------------------------------------------------------------------------------------------
// TraceStore

namespace {

// The ids the writer wrote last, with their rows: a FIFO ring with an open-addressing index
// (linear probing, twice as many slots as entries, backward-shift deletion). A flat table:
// an unordered_map of this size costs a cache miss per node and showed in write profiles.
class RecentIds {
public:
  explicit RecentIds(std::size_t capacity)
      : ring_(capacity), slots_(capacity * 2, kEmpty), mask_(capacity * 2 - 1) {}

  std::int64_t find(const TraceId& id) const {
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      const std::uint32_t slot = slots_[i];
      if (slot == kEmpty) {
        return 0;
      }
      if (ring_[slot].id == id) {
        return ring_[slot].row;
      }
    }
  }
  void add(const TraceId& id, std::int64_t row) {
    if (const std::size_t existing = slotOf(id); existing != kNone) {
      remove(slots_[existing]);  // the newer row wins
    }
    remove(next_);  // the oldest entry's place in the ring is reused
    ring_[next_] = Entry{id, row, true};
    std::size_t i = home(id);
    while (slots_[i] != kEmpty) {
      i = (i + 1) & mask_;
    }
    slots_[i] = static_cast<std::uint32_t>(next_);
    ++size_;
    next_ = (next_ + 1) % ring_.size();
  }
  void erase(const TraceId& id) {
    if (const std::size_t i = slotOf(id); i != kNone) {
      remove(slots_[i]);
    }
  }
  void clear() {
    std::fill(slots_.begin(), slots_.end(), kEmpty);
    for (auto& e : ring_) {
      e.live = false;
    }
    size_ = 0;
    next_ = 0;
  }

private:
  static constexpr std::uint32_t kEmpty = 0xffffffff;
  static constexpr std::size_t kNone = ~std::size_t{0};
  struct Entry {
    TraceId id;
    std::int64_t row = 0;
    bool live = false;
  };

  std::size_t home(const TraceId& id) const { return tracecontext::TraceIdHash{}(id)&mask_; }
  std::size_t slotOf(const TraceId& id) const {
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      if (slots_[i] == kEmpty) {
        return kNone;
      }
      if (ring_[slots_[i]].id == id) {
        return i;
      }
    }
  }
  // Removes ring entry `position` from the index (no-op when it is not live).
  void remove(std::size_t position) {
    Entry& entry = ring_[position];
    if (!entry.live) {
      return;
    }
    entry.live = false;
    --size_;
    std::size_t i = home(entry.id);
    while (slots_[i] != position) {
      i = (i + 1) & mask_;
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    for (std::size_t j = (i + 1) & mask_; slots_[j] != kEmpty; j = (j + 1) & mask_) {
      const std::size_t h = home(ring_[slots_[j]].id);
      const bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = kEmpty;
  }

  std::vector<Entry> ring_;
  std::vector<std::uint32_t> slots_;  // ring positions
  std::size_t mask_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
};

}  // namespace

struct TraceStore::Writer {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement insert_trace;
  Statement insert_key;
  Statement insert_part;
  Statement insert_chunk;
  Statement insert_service;
  Statement insert_operation;
  Statement insert_trace_service;
  Statement delete_trace_service;
  Statement touch_service;
  Statement touch_operation;
  Statement select_for_merge;
  Statement update_trace;
  Statement oldest;
  Statement delete_traces;
  Statement delete_parts;
  Statement first_chunk;
  Statement delete_chunks;
  Statement log_retention;
  Statement forget_keys;
  Statement forget_retention;

  // Names already in `services` / `operations`, so that a write looks them up in memory.
  std::unordered_map<std::string, std::int64_t> service_ids;
  std::unordered_map<std::string, std::int64_t> operation_ids;  // key: service id bytes, name
  std::vector<std::int64_t> touched_services;                   // used by the open transaction
  std::vector<std::int64_t> touched_operations;
  RecentIds recent{kRecentIds};
  std::vector<TraceId> added;  // ids added to `recent` by the open transaction
  std::uint64_t trace_count = 0;
  std::int64_t next_chunk = 1;  // only grows while the process lives (see Connection::chunk)

  std::unique_ptr<BatchEncoder> encoder;  // for write(span): made on first use
  std::string key;                        // scratch
};

TraceStore::TraceStore(const StoreConfig& config,
                       std::unique_ptr<Connection> connection,
                       std::unique_ptr<Writer> writer)
    : TraceReader(std::move(connection)), config_(config), writer_(std::move(writer)) {}

TraceStore::~TraceStore() {
  // Leave the WAL checkpointed so that a copy of the .db file alone is complete.
  writer_.reset();
  if (connection_) {
    connection_->db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
}

std::uint64_t TraceStore::traceCount() const noexcept {
  return writer_->trace_count;
}

std::uint64_t TraceStore::usedBytes() {
  sqlite::Database& db = connection_->db;
  const std::int64_t pages =
      db.queryInt("PRAGMA page_count") - db.queryInt("PRAGMA freelist_count");
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, pages) *
                                    db.queryInt("PRAGMA page_size"));
}

namespace {

StoreResult<bool> loadNames(Connection& c,
                            std::unordered_map<std::string, std::int64_t>& service_ids,
                            std::unordered_map<std::string, std::int64_t>& operation_ids) {
  service_ids.clear();
  operation_ids.clear();
  Statement s;
  int rc = s.prepare(c.db.get(), "SELECT id, name FROM services");
  if (rc != SQLITE_OK) {
    return failure(c, rc, "loading services");
  }
  while ((rc = s.step()) == SQLITE_ROW) {
    service_ids.emplace(std::string(s.columnText(1)), s.columnInt(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "loading services");
  }
  rc = s.prepare(c.db.get(), "SELECT id, service_id, name FROM operations");
  if (rc != SQLITE_OK) {
    return failure(c, rc, "loading operations");
  }
  while ((rc = s.step()) == SQLITE_ROW) {
    const std::int64_t service = s.columnInt(1);
    std::string key(reinterpret_cast<const char*>(&service), sizeof service);
    key += s.columnText(2);
    operation_ids.emplace(std::move(key), s.columnInt(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "loading operations");
  }
  return true;
}

StoreResult<bool> loadRecent(Connection& c, RecentIds& recent) {
  recent.clear();
  Statement s;
  int rc = s.prepare(c.db.get(),
                     "SELECT id, trace_id FROM (SELECT id, trace_id FROM traces ORDER BY id DESC "
                     "LIMIT ?1) ORDER BY id");
  if (rc != SQLITE_OK) {
    return failure(c, rc, "loading recent ids");
  }
  s.bind(1, static_cast<std::int64_t>(kRecentIds));
  while ((rc = s.step()) == SQLITE_ROW) {
    recent.add(idFromBytes(s.columnBlob(1)), s.columnInt(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "loading recent ids");
  }
  return true;
}

StoreResult<bool> migrate(Connection& c, int from) {
  for (int version = from; version < kSchemaVersion; ++version) {
    int rc = c.db.exec("BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) {
      return failure(c, rc, "starting a migration");
    }
    rc = c.db.exec(kMigrations[version]);
    if (rc == SQLITE_OK) {
      const std::string bump = "UPDATE schema_version SET version = " + std::to_string(version + 1);
      rc = c.db.exec(bump.c_str());
    }
    if (rc == SQLITE_OK) {
      rc = c.db.exec("COMMIT");
    }
    if (rc != SQLITE_OK) {
      auto error = failure(c, rc, "migrating to schema " + std::to_string(version + 1));
      c.db.exec("ROLLBACK");
      return error;
    }
  }
  return true;
}

// Runs a statement that returns no rows (or whose rows are not wanted) and resets it.
int run(Statement& s) {
  const int rc = s.step();
  s.reset();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

}  // namespace

StoreResult<std::unique_ptr<TraceStore>> TraceStore::open(const StoreConfig& config) {
  const std::filesystem::path path(config.path);
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return failure(StoreErrorCode::kOpen, path.parent_path().string() +
                                                ": cannot create the directory: " + ec.message());
    }
  }
  auto opened = openConnection(config.path, false, config.compression_level);
  if (!opened) {
    return Unexpected(std::move(opened).error());
  }
  std::unique_ptr<Connection> c = std::move(opened).value();

  auto version = readSchemaVersion(*c);
  if (!version) {
    return Unexpected(std::move(version).error());
  }
  if (*version > kSchemaVersion) {
    return failure(StoreErrorCode::kTooNew, config.path + ": schema version " +
                                                std::to_string(*version) +
                                                " was written by a newer stitch; this one reads " +
                                                std::to_string(kSchemaVersion));
  }
  if (*version == 0) {
    // Only possible on an empty file: incremental auto-vacuum must be chosen before any table
    // exists. 8 KiB pages: fewer page headers and B-tree levels for ~64 KiB chunks.
    c->db.exec("PRAGMA page_size = 8192; PRAGMA auto_vacuum = INCREMENTAL");
  }
  // WAL: readers never block the writer nor it them. synchronous=NORMAL: a commit is durable
  // once the WAL is synced at checkpoint; a power cut may lose the last commits, never corrupt.
  if (c->db.exec("PRAGMA journal_mode = WAL") != SQLITE_OK) {
    return failure(*c, SQLITE_ERROR, config.path);
  }
  c->db.exec(
      "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; "
      "PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 134217728; "
      "PRAGMA temp_store = MEMORY");
  auto migrated = migrate(*c, *version);
  if (!migrated) {
    return Unexpected(std::move(migrated).error());
  }
  auto prepared = prepareReadStatements(*c);
  if (!prepared) {
    return Unexpected(std::move(prepared).error());
  }

  auto w = std::make_unique<Writer>();
  struct Entry {
    Statement* statement;
    const char* sql;
  };
  const Entry entries[] = {
      {&w->begin, "BEGIN IMMEDIATE"},
      {&w->commit, "COMMIT"},
      {&w->rollback, "ROLLBACK"},
      {&w->insert_trace,
       "INSERT INTO traces (trace_id, start_ns, duration_ns, root_service, root_operation, "
       "services, error, span_count, record_count, bytes, policy, decided_at_ns, early, "
       "kept_at_ns, writes, chunk, chunk_offset, chunk_length, service_ids, operation_ids) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, ?16, ?17, "
       "?18, ?19)"},
      {&w->insert_key,
       "INSERT OR IGNORE INTO trace_keys (generation, key, trace, id_hi) VALUES (?1, ?2, ?3, ?4)"},
      {&w->insert_part,
       "INSERT INTO trace_parts (trace, part, chunk, chunk_offset, chunk_length) "
       "VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&w->insert_chunk, "INSERT INTO chunks (id, records) VALUES (?1, ?2)"},
      {&w->insert_service, "INSERT INTO services (name, last_trace) VALUES (?1, 0)"},
      {&w->insert_operation,
       "INSERT INTO operations (service_id, name, last_trace) VALUES (?1, ?2, 0)"},
      {&w->touch_service, "UPDATE services SET last_trace = ?2 WHERE id = ?1"},
      {&w->touch_operation, "UPDATE operations SET last_trace = ?2 WHERE id = ?1"},
      {&w->insert_trace_service,
       "INSERT OR IGNORE INTO trace_services (service_id, start_ns, trace) VALUES (?1, ?2, ?3)"},
      {&w->delete_trace_service,
       "DELETE FROM trace_services WHERE service_id = ?1 AND start_ns = ?2 AND trace = ?3"},
      {&w->select_for_merge,
       "SELECT trace_id, start_ns, duration_ns, root_service, root_operation, services, error, "
       "span_count, record_count, bytes, service_ids, operation_ids, chunk, chunk_offset, "
       "chunk_length, writes FROM traces WHERE id = ?1"},
      {&w->update_trace,
       "UPDATE traces SET start_ns = ?2, duration_ns = ?3, root_service = ?4, "
       "root_operation = ?5, services = ?6, error = ?7, span_count = ?8, record_count = ?9, "
       "bytes = ?10, writes = writes + 1, service_ids = ?11, operation_ids = ?12 WHERE id = ?1"},
      {&w->oldest, "SELECT id, start_ns, kept_at_ns, service_ids FROM traces ORDER BY id LIMIT ?1"},
      {&w->delete_traces, "DELETE FROM traces WHERE id <= ?1"},
      {&w->delete_parts, "DELETE FROM trace_parts WHERE trace <= ?1"},
      {&w->first_chunk, "SELECT chunk FROM traces ORDER BY id LIMIT 1"},
      {&w->delete_chunks, "DELETE FROM chunks WHERE id < ?1"},
      {&w->log_retention,
       "INSERT OR REPLACE INTO retention_log (last_trace, first_trace, expired_at_ns, reason) "
       "VALUES (?1, ?2, ?3, ?4)"},
      {&w->forget_keys, "DELETE FROM trace_keys WHERE generation < ?1"},
      {&w->forget_retention, "DELETE FROM retention_log WHERE last_trace < ?1"},
  };
  for (const auto& e : entries) {
    const int rc = e.statement->prepare(c->db.get(), e.sql);
    if (rc != SQLITE_OK) {
      return failure(*c, rc, "preparing the writer's statements");
    }
  }
  if (auto names = loadNames(*c, w->service_ids, w->operation_ids); !names) {
    return Unexpected(std::move(names).error());
  }
  if (auto recent = loadRecent(*c, w->recent); !recent) {
    return Unexpected(std::move(recent).error());
  }
  w->trace_count = static_cast<std::uint64_t>(c->db.queryInt("SELECT count(*) FROM traces"));
  w->next_chunk = 1 + std::max({c->db.queryInt("SELECT max(id) FROM chunks"),
                                c->db.queryInt("SELECT max(chunk) FROM traces"),
                                c->db.queryInt("SELECT max(chunk) FROM trace_parts")});
  return std::unique_ptr<TraceStore>(new TraceStore(config, std::move(c), std::move(w)));
}

void TraceStore::forgetWriteState() {
  // A rolled-back transaction: names and ids it added are not in the file.
  Writer& w = *writer_;
  (void)loadNames(*connection_, w.service_ids, w.operation_ids);
  for (const TraceId& id : w.added) {
    w.recent.erase(id);
  }
  w.added.clear();
  connection_->chunk_id = -1;
}

// ---------------------------------------------------------------------------------------------
// BatchEncoder

struct BatchEncoder::State {
  explicit State(int level) : codec(level) {}
  RecordCodec codec;
  std::string chunk;
};

BatchEncoder::BatchEncoder(int compression_level)
    : state_(std::make_unique<State>(compression_level)) {}

BatchEncoder::~BatchEncoder() = default;

bool BatchEncoder::prepare(std::span<const DecidedTracePtr> traces, PreparedBatch& batch) {
  batch.items.clear();
  batch.chunks.clear();
  batch.serialized_bytes = 0;
  batch.skipped = 0;
  batch.items.reserve(traces.size());
  std::string& chunk = state_->chunk;
  chunk.clear();
  chunk.reserve(2 * kChunkBytes);  // a chunk closes past kChunkBytes: rarely regrows
  auto flush = [&]() -> bool {
    if (chunk.empty()) {
      return true;
    }
    batch.serialized_bytes += chunk.size();
    batch.chunks.emplace_back();
    const bool ok = state_->codec.encodeSerialized(chunk, batch.chunks.back());
    chunk.clear();
    return ok;
  };
  if (!traces.empty() && traces.front()) {
    record::prefetch(traces.front()->records);
  }
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const DecidedTracePtr& t = traces[i];
    // The next trace's records load into the cache while this one is serialized.
    if (i + 1 < traces.size() && traces[i + 1]) {
      record::prefetch(traces[i + 1]->records);
    }
    if (!t || t->records.empty()) {
      ++batch.skipped;
      continue;
    }
    PreparedBatch::Item& item = batch.items.emplace_back();
    item.trace = t;
    if (t->summary.record_count == 0) {
      // A trace handed over without a summary is summarized from its records.
      widenSummary(item.summary, {}, t->records);
    } else {
      item.summary = t->summary;
    }
    item.chunk = static_cast<std::uint32_t>(batch.chunks.size());
    item.offset = static_cast<std::uint32_t>(chunk.size());
    for (const auto& r : t->records) {
      r->serialize(chunk);
    }
    item.length = static_cast<std::uint32_t>(chunk.size() - item.offset);
    // Views into the shared, immutable trace (never into `item`, which moves).
    for (const auto& service : t->summary.services) {
      item.names.emplace_back(service, std::string_view());
    }
    for (const auto& r : t->records) {
      const std::pair<std::string_view, std::string_view> name{r->serviceName(),
                                                               r->operationName()};
      if (!name.first.empty() &&
          std::find(item.names.begin(), item.names.end(), name) == item.names.end()) {
        item.names.push_back(name);
      }
    }
    if (chunk.size() >= kChunkBytes && !flush()) {
      return false;
    }
  }
  return flush();
}

// ---------------------------------------------------------------------------------------------
// TraceStore::write

StoreResult<WriteStats> TraceStore::write(std::span<const DecidedTracePtr> traces,
                                          TimestampNs now) {
  if (!writer_->encoder) {
    writer_->encoder = std::make_unique<BatchEncoder>(config_.compression_level);
  }
  PreparedBatch batch;
  if (!writer_->encoder->prepare(traces, batch)) {
    return failure(StoreErrorCode::kIo, "compressing traces: out of memory");
  }
  return write(batch, now);
}

StoreResult<WriteStats> TraceStore::write(const PreparedBatch& batch, TimestampNs now) {
  Connection& c = *connection_;
  Writer& w = *writer_;
  WriteStats stats;
  stats.skipped = batch.skipped;
  if (batch.items.empty()) {
    return stats;
  }
  int rc = run(w.begin);
  if (rc != SQLITE_OK) {
    return failure(c, rc, "starting a write");
  }
  std::uint64_t inserted = 0;
  w.added.clear();
  w.touched_services.clear();
  w.touched_operations.clear();

  // The chunks first: a late part later in the batch may need the records of a trace earlier
  // in it, and reads them back like any stored trace.
  const std::int64_t first_chunk = w.next_chunk;
  w.next_chunk += static_cast<std::int64_t>(batch.chunks.size());
  for (std::size_t i = 0; i < batch.chunks.size() && rc == SQLITE_OK; ++i) {
    w.insert_chunk.bind(1, first_chunk + static_cast<std::int64_t>(i)).bindBlob(2, batch.chunks[i]);
    rc = run(w.insert_chunk);
    stats.stored_bytes += batch.chunks[i].size();
  }
  stats.serialized_bytes = batch.serialized_bytes;

  // Id of service `name`, inserting it when new (inside this transaction).
  auto serviceId = [&](std::string_view name, std::int64_t& id) -> int {
    w.key.assign(name);
    if (auto found = w.service_ids.find(w.key); found != w.service_ids.end()) {
      id = found->second;
      return SQLITE_OK;
    }
    w.insert_service.bindText(1, name);
    const int result = run(w.insert_service);
    if (result == SQLITE_OK) {
      id = c.db.lastInsertRowid();
      w.service_ids.emplace(std::string(name), id);
    }
    return result;
  };
  auto operationId = [&](std::int64_t service, std::string_view name, std::int64_t& id) -> int {
    w.key.assign(reinterpret_cast<const char*>(&service), sizeof service);
    w.key += name;
    if (auto found = w.operation_ids.find(w.key); found != w.operation_ids.end()) {
      id = found->second;
      return SQLITE_OK;
    }
    w.insert_operation.bind(1, service).bindText(2, name);
    const int result = run(w.insert_operation);
    if (result == SQLITE_OK) {
      id = c.db.lastInsertRowid();
      w.operation_ids.emplace(w.key, id);
    }
    return result;
  };
  // The service and operation ids of a trace (deduplicated), added to what they hold.
  std::vector<std::int64_t> service_ids;
  std::vector<std::int64_t> operation_ids;
  auto collectIds = [&](const PreparedBatch::Item& item) -> int {
    for (const auto& [service, operation] : item.names) {
      std::int64_t sid = 0;
      if (const int result = serviceId(service, sid); result != SQLITE_OK) {
        return result;
      }
      addUnique(service_ids, sid);
      if (!operation.empty()) {
        std::int64_t oid = 0;
        if (const int result = operationId(sid, operation, oid); result != SQLITE_OK) {
          return result;
        }
        addUnique(operation_ids, oid);
      }
    }
    return SQLITE_OK;
  };
  std::int64_t last_row = 0;  // the newest row this transaction wrote to
  auto insertIndexRows = [&](std::int64_t row, TimestampNs start) -> int {
    last_row = std::max(last_row, row);
    for (const std::int64_t id : service_ids) {
      w.insert_trace_service.bind(1, id).bind(2, start).bind(3, row);
      if (const int result = run(w.insert_trace_service); result != SQLITE_OK) {
        return result;
      }
      addUnique(w.touched_services, id);
    }
    for (const std::int64_t id : operation_ids) {
      addUnique(w.touched_operations, id);
    }
    return SQLITE_OK;
  };
  // Names used by this transaction live at least as long as its newest row (pruneNames).
  auto touchNames = [&]() -> int {
    for (const std::int64_t id : w.touched_services) {
      w.touch_service.bind(1, id).bind(2, last_row);
      if (const int result = run(w.touch_service); result != SQLITE_OK) {
        return result;
      }
    }
    for (const std::int64_t id : w.touched_operations) {
      w.touch_operation.bind(1, id).bind(2, last_row);
      if (const int result = run(w.touch_operation); result != SQLITE_OK) {
        return result;
      }
    }
    return SQLITE_OK;
  };

  // Appends an item's records to the stored trace in row `row` as its next part. SQLITE_DONE:
  // the row is gone (retention); SQLITE_CORRUPT: its stored records do not decode.
  auto merge = [&](const PreparedBatch::Item& item, std::int64_t row) -> int {
    const trace::DecidedTrace& t = *item.trace;
    Statement& s = w.select_for_merge;
    s.bind(1, row);
    int result = s.step();
    if (result != SQLITE_ROW || idFromBytes(s.columnBlob(0)) != t.trace_id) {
      s.reset();
      return result == SQLITE_ROW ? SQLITE_DONE : result;
    }
    TraceSummary summary;
    summary.start_ns = s.columnInt(1);
    summary.duration_ns = s.columnInt(2);
    summary.root_service = std::string(s.columnText(3));
    summary.root_operation = std::string(s.columnText(4));
    summary.services = splitServices(s.columnText(5));
    summary.error = s.columnInt(6) != 0;
    summary.span_count = static_cast<std::uint32_t>(s.columnInt(7));
    summary.record_count = static_cast<std::uint32_t>(s.columnInt(8));
    summary.bytes = static_cast<std::uint64_t>(s.columnInt(9));
    const std::vector<std::int64_t> old_services = unpackIds(s.columnBlob(10));
    const std::vector<std::int64_t> old_operations = unpackIds(s.columnBlob(11));
    std::vector<Slice> slices{Slice{s.columnInt(12), s.columnInt(13), s.columnInt(14)}};
    const std::int64_t writes = s.columnInt(15);
    s.reset();
    if (!readParts(c, row, slices)) {
      return SQLITE_IOERR;
    }
    record::RecordBatch stored;
    for (const Slice& slice : slices) {
      if (!readSlice(c, slice, stored)) {
        return SQLITE_CORRUPT;  // the caller skips this part and keeps the stored trace as is
      }
    }
    const TimestampNs old_start = summary.start_ns;
    widenSummary(summary, stored, t.records);

    w.insert_part.bind(1, row)
        .bind(2, writes)
        .bind(3, first_chunk + item.chunk)
        .bind(4, item.offset)
        .bind(5, item.length);
    if ((result = run(w.insert_part)) != SQLITE_OK) {
      return result;
    }
    for (const std::int64_t id : old_services) {
      w.delete_trace_service.bind(1, id).bind(2, old_start).bind(3, row);
      if ((result = run(w.delete_trace_service)) != SQLITE_OK) {
        return result;
      }
    }
    service_ids = old_services;
    operation_ids = old_operations;
    if ((result = collectIds(item)) != SQLITE_OK) {
      return result;
    }
    for (const auto& name : summary.services) {  // the merged summary may name more
      std::int64_t sid = 0;
      if ((result = serviceId(name, sid)) != SQLITE_OK) {
        return result;
      }
      addUnique(service_ids, sid);
    }
    if ((result = insertIndexRows(row, summary.start_ns)) != SQLITE_OK) {
      return result;
    }
    const std::string services = joinServices(summary.services);
    const std::string packed_services = packIds(service_ids);
    const std::string packed_operations = packIds(operation_ids);
    w.update_trace.bind(1, row)
        .bind(2, summary.start_ns)
        .bind(3, summary.duration_ns)
        .bindText(4, summary.root_service)
        .bindText(5, summary.root_operation)
        .bindText(6, services)
        .bind(7, summary.error ? 1 : 0)
        .bind(8, summary.span_count)
        .bind(9, summary.record_count)
        .bind(10, static_cast<std::int64_t>(summary.bytes))
        .bindBlob(11, packed_services)
        .bindBlob(12, packed_operations);
    return run(w.update_trace);
  };

  std::string services;
  std::string packed_services;
  std::string packed_operations;
  for (const PreparedBatch::Item& item : batch.items) {
    if (rc != SQLITE_OK) {
      break;
    }
    const trace::DecidedTrace& t = *item.trace;
    service_ids.clear();
    operation_ids.clear();
    if (const std::int64_t row = w.recent.find(t.trace_id); row != 0) {
      rc = merge(item, row);
      if (rc == SQLITE_OK) {
        ++stats.merged;
        stats.records += t.records.size();
        continue;
      }
      if (rc == SQLITE_CORRUPT) {
        ++stats.skipped;
        rc = SQLITE_OK;
        continue;
      }
      if (rc != SQLITE_DONE) {
        break;
      }
      rc = SQLITE_OK;  // the stored trace is gone: write this part as a trace of its own
      service_ids.clear();
      operation_ids.clear();
    }

    const TraceSummary& summary = item.summary;
    if ((rc = collectIds(item)) != SQLITE_OK) {
      break;
    }
    const auto key = idBytes(t.trace_id);
    services = joinServices(summary.services);
    packed_services = packIds(service_ids);
    packed_operations = packIds(operation_ids);
    w.insert_trace.bindBlob(1, viewOf(key))
        .bind(2, summary.start_ns)
        .bind(3, summary.duration_ns)
        .bindText(4, summary.root_service)
        .bindText(5, summary.root_operation)
        .bindText(6, services)
        .bind(7, summary.error ? 1 : 0)
        .bind(8, summary.span_count)
        .bind(9, static_cast<std::int64_t>(t.records.size()))
        .bind(10, static_cast<std::int64_t>(summary.bytes))
        .bindText(11, t.decision.policy)
        .bind(12, t.decision.decided_at_ns)
        .bind(13, t.decision.early ? 1 : 0)
        .bind(14, now)
        .bind(15, first_chunk + item.chunk)
        .bind(16, item.offset)
        .bind(17, item.length)
        .bindBlob(18, packed_services)
        .bindBlob(19, packed_operations);
    if ((rc = run(w.insert_trace)) != SQLITE_OK) {
      break;
    }
    const std::int64_t row = c.db.lastInsertRowid();
    w.insert_key.bind(1, generationOf(row))
        .bind(2, static_cast<std::int64_t>(t.trace_id.lo))
        .bind(3, row)
        .bind(4, static_cast<std::int64_t>(t.trace_id.hi));
    if ((rc = run(w.insert_key)) != SQLITE_OK) {
      break;
    }
    if ((rc = insertIndexRows(row, summary.start_ns)) != SQLITE_OK) {
      break;
    }
    w.recent.add(t.trace_id, row);
    w.added.push_back(t.trace_id);
    ++stats.inserted;
    ++inserted;
    stats.records += t.records.size();
  }
  if (rc == SQLITE_OK) {
    rc = touchNames();
  }
  if (rc == SQLITE_OK) {
    rc = run(w.commit);
  }
  if (rc != SQLITE_OK) {
    auto error = failure(c, rc, "writing traces");
    run(w.rollback);
    forgetWriteState();
    return error;
  }
  w.added.clear();
  w.trace_count += inserted;
  return stats;
}

StoreResult<std::uint64_t> TraceStore::deleteOldest(std::uint64_t count,
                                                    TimestampNs older_than,
                                                    ExpiryReason reason,
                                                    TimestampNs now) {
  Connection& c = *connection_;
  Writer& w = *writer_;
  int rc = run(w.begin);
  if (rc != SQLITE_OK) {
    return failure(c, rc, "starting retention");
  }
  struct Victim {
    std::int64_t row;
    TimestampNs start;
    std::vector<std::int64_t> services;
  };
  std::vector<Victim> victims;
  {
    Statement& s = w.oldest;
    ResetGuard guard(s);
    s.bind(1, static_cast<std::int64_t>(count));
    while ((rc = s.step()) == SQLITE_ROW) {
      if (s.columnInt(2) >= older_than) {
        rc = SQLITE_DONE;  // kept_at grows with the row id: everything after is younger
        break;
      }
      victims.push_back(Victim{s.columnInt(0), s.columnInt(1), unpackIds(s.columnBlob(3))});
    }
  }
  if (rc != SQLITE_DONE) {
    auto error = failure(c, rc, "retention");
    run(w.rollback);
    return error;
  }
  if (victims.empty()) {
    run(w.rollback);
    return std::uint64_t{0};
  }
  rc = SQLITE_OK;
  for (const Victim& v : victims) {
    for (const std::int64_t id : v.services) {
      w.delete_trace_service.bind(1, id).bind(2, v.start).bind(3, v.row);
      if ((rc = run(w.delete_trace_service)) != SQLITE_OK) {
        break;
      }
    }
    if (rc != SQLITE_OK) {
      break;
    }
  }
  const std::int64_t first = victims.front().row;
  const std::int64_t last = victims.back().row;
  if (rc == SQLITE_OK) {
    w.delete_traces.bind(1, last);
    rc = run(w.delete_traces);
  }
  if (rc == SQLITE_OK) {
    w.delete_parts.bind(1, last);
    rc = run(w.delete_parts);
  }
  if (rc == SQLITE_OK) {
    // Chunks older than the oldest remaining trace's hold nothing alive (a late part is always
    // in a chunk written after its trace's).
    std::int64_t keep_from = w.next_chunk;
    {
      Statement& s = w.first_chunk;
      ResetGuard guard(s);
      rc = s.step();
      if (rc == SQLITE_ROW) {
        keep_from = s.columnInt(0);
        rc = SQLITE_OK;
      } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
      }
    }
    if (rc == SQLITE_OK) {
      w.delete_chunks.bind(1, keep_from);
      rc = run(w.delete_chunks);
    }
  }
  // Remember the deletion, and forget the oldest ones beyond config.expired_ids: whole
  // generations of keys, the retention_log rows no remaining key points into.
  const auto remembered = static_cast<std::int64_t>(config_.expired_ids);
  const std::int64_t forget_before = generationOf(std::max<std::int64_t>(0, last + 1 - remembered));
  if (rc == SQLITE_OK && remembered > 0) {
    w.log_retention.bind(1, last).bind(2, first).bind(3, now).bind(4, static_cast<int>(reason));
    rc = run(w.log_retention);
  }
  if (rc == SQLITE_OK) {
    w.forget_keys.bind(1, remembered > 0 ? forget_before : generationOf(last + 1));
    rc = run(w.forget_keys);
  }
  if (rc == SQLITE_OK) {
    w.forget_retention.bind(1, remembered > 0 ? forget_before << kGenerationShift : last + 1);
    rc = run(w.forget_retention);
  }
  if (rc == SQLITE_OK) {
    rc = run(w.commit);
  }
  if (rc != SQLITE_OK) {
    auto error = failure(c, rc, "retention");
    run(w.rollback);
    return error;
  }
  w.trace_count -= std::min<std::uint64_t>(w.trace_count, victims.size());
  return static_cast<std::uint64_t>(victims.size());
}

StoreResult<bool> TraceStore::pruneNames() {
  // Services and operations that no stored trace names any more disappear from the lists
  // (`/api/services` shows what can be found, not everything ever seen).
  Connection& c = *connection_;
  // A name's last_trace is the newest row that used it; rows go oldest first.
  int rc = c.db.exec(
      "BEGIN IMMEDIATE;"
      "DELETE FROM operations WHERE last_trace < "
      "(SELECT coalesce(min(id), 9223372036854775807) FROM traces);"
      "DELETE FROM services WHERE last_trace < "
      "(SELECT coalesce(min(id), 9223372036854775807) FROM traces);"
      "COMMIT");
  if (rc != SQLITE_OK) {
    auto error = failure(c, rc, "pruning names");
    c.db.exec("ROLLBACK");
    return error;
  }
  return loadNames(c, writer_->service_ids, writer_->operation_ids);
}

StoreResult<RetentionStats> TraceStore::enforceRetention(TimestampNs now,
                                                         std::uint64_t max_deletes) {
  Connection& c = *connection_;
  RetentionStats stats;
  std::uint64_t budget = max_deletes;

  if (config_.max_age.count() > 0) {
    const TimestampNs cutoff =
        now - std::chrono::duration_cast<std::chrono::nanoseconds>(config_.max_age).count();
    while (budget > 0) {
      const std::uint64_t asked = std::min(budget, kRetentionBatch);
      auto deleted = deleteOldest(asked, cutoff, ExpiryReason::kAge, now);
      if (!deleted) {
        return Unexpected(std::move(deleted).error());
      }
      stats.deleted_by_age += *deleted;
      budget -= *deleted;
      if (*deleted < asked) {
        break;  // nothing older remains
      }
    }
  }

  if (config_.max_size_bytes > 0) {
    const std::uint64_t target = config_.max_size_bytes / 10 * 9;
    auto usedBytes = [&] {
      const std::int64_t page_size = c.db.queryInt("PRAGMA page_size");
      const std::int64_t pages = c.db.queryInt("PRAGMA page_count");
      const std::int64_t free_pages = c.db.queryInt("PRAGMA freelist_count");
      return static_cast<std::uint64_t>((pages - free_pages) * page_size);
    };
    std::uint64_t used = usedBytes();
    if (used > config_.max_size_bytes) {
      while (budget > 0 && used > target && writer_->trace_count > 0) {
        // Estimate how many of the oldest traces hold the excess; re-measure after each batch.
        const std::uint64_t per_trace = std::max<std::uint64_t>(1, used / writer_->trace_count);
        const std::uint64_t wanted = (used - target + per_trace - 1) / per_trace;
        const std::uint64_t n =
            std::min({budget, kRetentionBatch, std::max<std::uint64_t>(wanted, 1)});
        auto deleted =
            deleteOldest(n, std::numeric_limits<TimestampNs>::max(), ExpiryReason::kSize, now);
        if (!deleted) {
          return Unexpected(std::move(deleted).error());
        }
        if (*deleted == 0) {
          break;
        }
        stats.deleted_by_size += *deleted;
        budget -= *deleted;
        used = usedBytes();
      }
    }
  }
  stats.complete = budget > 0;

  if (stats.deleted_by_age + stats.deleted_by_size > 0) {
    auto pruned = pruneNames();
    if (!pruned) {
      return Unexpected(std::move(pruned).error());
    }
    // Freed pages are reused by later writes. Give them back to the file system only when
    // they are a large share of the file and the store shrank for good (age, not size).
    const std::int64_t pages = c.db.queryInt("PRAGMA page_count");
    const std::int64_t free_pages = c.db.queryInt("PRAGMA freelist_count");
    if (free_pages > 0 && free_pages * 4 > pages && stats.deleted_by_size == 0) {
      c.db.exec("PRAGMA incremental_vacuum");
    }
  }
  return stats;
}

}  // namespace stitch::store
