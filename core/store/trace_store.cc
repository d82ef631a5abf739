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
  sqlite::Statement get_trace;
  sqlite::Statement get_expired;
  sqlite::Statement list_services;
  sqlite::Statement list_operations;
  sqlite::Statement service_id;
  sqlite::Statement operation_ids;
  sqlite::Statement service_operation_id;
  std::map<std::string, sqlite::Statement, std::less<>> searches;  // by SQL text

  explicit Connection(int compression_level) : codec(compression_level) {}
};

}  // namespace detail

namespace {

using detail::Connection;
using sqlite::ResetGuard;
using sqlite::Statement;

constexpr int kBusyTimeoutMs = 5000;
constexpr char kServiceSeparator = '\n';
constexpr std::uint64_t kRetentionBatch = 2000;  // deletes per transaction
constexpr std::int64_t kSeverityError = 17;      // OpenTelemetry SeverityNumber ERROR

// Schema migrations, applied in order: entry i takes a file from version i to i + 1. Never
// edit a released entry; append one.
constexpr const char* kMigrations[] = {
    // 0 -> 1: traces with their indexed summary, records apart so that scans stay small.
    R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (0);
CREATE TABLE traces (
  id INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL UNIQUE,
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
  service_ids BLOB NOT NULL,
  operation_ids BLOB NOT NULL
);
CREATE INDEX traces_by_start ON traces (start_ns);
CREATE INDEX traces_with_error_by_start ON traces (start_ns) WHERE error = 1;
CREATE TABLE trace_blobs (id INTEGER PRIMARY KEY, records BLOB NOT NULL);
CREATE TABLE services (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE operations (
  id INTEGER PRIMARY KEY,
  service_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  UNIQUE (service_id, name)
);
CREATE INDEX operations_by_name ON operations (name);
CREATE TABLE trace_services (
  service_id INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  trace INTEGER NOT NULL,
  PRIMARY KEY (service_id, start_ns, trace)
) WITHOUT ROWID;
CREATE TABLE trace_operations (
  operation_id INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  trace INTEGER NOT NULL,
  PRIMARY KEY (operation_id, start_ns, trace)
) WITHOUT ROWID;
CREATE TABLE expired (
  id INTEGER PRIMARY KEY,
  trace_id BLOB NOT NULL UNIQUE,
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

// Row ids packed as little-endian int64s: which trace_services / trace_operations rows a trace
// owns, so that deleting it removes exactly those.
std::string packIds(const std::vector<std::int64_t>& ids) {
  std::string out(ids.size() * 8, '\0');
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto v = static_cast<std::uint64_t>(ids[i]);
    for (int b = 0; b < 8; ++b) {
      out[i * 8 + b] = static_cast<char>(v >> (8 * b));
    }
  }
  return out;
}

std::vector<std::int64_t> unpackIds(std::string_view packed) {
  std::vector<std::int64_t> ids(packed.size() / 8);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(packed[i * 8 + b])) << (8 * b);
    }
    ids[i] = static_cast<std::int64_t>(v);
  }
  return ids;
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

// The time a record covers: a span's [start, end], a log event's instant.
TimestampNs recordStart(const record::Record& r) noexcept {
  return r.isSpan() ? r.start_ns : r.timestamp_ns;
}

// Widens `summary` (of the records already stored) by late records. The root changes only when
// a late record is a true root span (no parent) that starts no later than the stored trace.
// With an empty `summary` and no stored records it summarizes `late` alone: the fallback for
// traces handed to the store without a summary.
void mergeSummary(TraceSummary& summary,
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
    const char* sql;
  };
  const std::string get_sql = std::string("SELECT ") + kRowColumns +
                              ", b.records FROM traces t JOIN trace_blobs b ON b.id = t.id "
                              "WHERE t.trace_id = ?1";
  const Entry entries[] = {
      {&c.get_trace, get_sql.c_str()},
      {&c.get_expired, "SELECT expired_at_ns, reason FROM expired WHERE trace_id = ?1"},
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
  if (read_only) {
    // query_only instead of SQLITE_OPEN_READONLY: a read-only connection to a WAL database
    // needs write access to the -shm file anyway, and this refuses writes just the same.
    c->db.exec("PRAGMA query_only = 1; PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456");
  }
  return c;
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
  Statement& s = c.get_trace;
  ResetGuard guard(s);
  const auto key = idBytes(trace_id);
  s.bindBlob(1, viewOf(key));
  const int rc = s.step();
  if (rc == SQLITE_DONE) {
    return std::optional<StoredTrace>();
  }
  if (rc != SQLITE_ROW) {
    return failure(c, rc, "reading a trace");
  }
  TraceRow row = readRow(s);
  StoredTrace stored;
  stored.trace_id = row.trace_id;
  stored.summary = std::move(row.summary);
  stored.decision = std::move(row.decision);
  stored.kept_at_ns = row.kept_at_ns;
  stored.writes = row.writes;
  const std::string_view blob = s.columnBlob(kRowColumnCount);
  stored.stored_bytes = blob.size();
  CodecError error{};
  if (!c.codec.decode(blob, stored.records, error)) {
    return failure(StoreErrorCode::kCorrupt, "trace " + trace_id.hex() + ": stored records are " +
                                                 std::string(codecErrorName(error)));
  }
  return std::optional<StoredTrace>(std::move(stored));
}

StoreResult<std::optional<ExpiredTrace>> TraceReader::expired(const TraceId& trace_id) {
  Connection& c = *connection_;
  Statement& s = c.get_expired;
  ResetGuard guard(s);
  const auto key = idBytes(trace_id);
  s.bindBlob(1, viewOf(key));
  const int rc = s.step();
  if (rc == SQLITE_DONE) {
    return std::optional<ExpiredTrace>();
  }
  if (rc != SQLITE_ROW) {
    return failure(c, rc, "reading expired ids");
  }
  ExpiredTrace expired;
  expired.expired_at_ns = s.columnInt(0);
  expired.reason = s.columnInt(1) == static_cast<int>(ExpiryReason::kSize) ? ExpiryReason::kSize
                                                                           : ExpiryReason::kAge;
  return std::optional<ExpiredTrace>(expired);
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

  // ?1, ?2: start bounds; ?3: the service or operation id; ?4..: the remaining filters.
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM ";
  std::string order;
  if (operation_ids.size() == 1 || (operation_ids.empty() && service_id != 0)) {
    const bool by_operation = !operation_ids.empty();
    sql += by_operation ? "trace_operations s" : "trace_services s";
    sql += " JOIN traces t ON t.id = s.trace WHERE s.start_ns BETWEEN ?1 AND ?2 AND ";
    sql += by_operation ? "s.operation_id = ?3" : "s.service_id = ?3";
    order = " ORDER BY s.start_ns DESC, s.trace DESC";
  } else if (!operation_ids.empty()) {
    sql +=
        "traces t WHERE t.start_ns BETWEEN ?1 AND ?2 AND ?3 = ?3 AND t.id IN (SELECT trace FROM "
        "trace_operations WHERE start_ns BETWEEN ?1 AND ?2 AND operation_id IN (";
    for (std::size_t i = 0; i < operation_ids.size(); ++i) {
      sql += (i == 0 ? "" : ",") + std::to_string(operation_ids[i]);
    }
    sql += "))";
    order = " ORDER BY t.start_ns DESC, t.id DESC";
  } else {
    sql += "traces t WHERE t.start_ns BETWEEN ?1 AND ?2 AND ?3 = ?3";
    order = " ORDER BY t.start_ns DESC, t.id DESC";
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
  s.bind(3, operation_ids.size() == 1 ? operation_ids[0] : service_id);
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
    rows.push_back(readRow(s));
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
  stats.expired_ids = static_cast<std::uint64_t>(c.db.queryInt("SELECT count(*) FROM expired"));
  stats.oldest_kept_at_ns = c.db.queryInt("SELECT kept_at_ns FROM traces ORDER BY id LIMIT 1");
  stats.newest_kept_at_ns = c.db.queryInt("SELECT kept_at_ns FROM traces ORDER BY id DESC LIMIT 1");
  std::error_code ec;
  const auto wal = std::filesystem::file_size(c.path + "-wal", ec);
  stats.wal_bytes = ec ? 0 : static_cast<std::uint64_t>(wal);
  return stats;
}

// ---------------------------------------------------------------------------------------------
// TraceStore

struct TraceStore::Writer {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement insert_trace;
  Statement insert_blob;
  Statement insert_service;
  Statement insert_operation;
  Statement insert_trace_service;
  Statement insert_trace_operation;
  Statement delete_trace_service;
  Statement delete_trace_operation;
  Statement select_for_merge;
  Statement update_trace;
  Statement update_blob;
  Statement oldest;
  Statement delete_trace;
  Statement delete_blob;
  Statement insert_expired;
  Statement trim_expired;

  // Names already in `services` / `operations`, so that a write looks them up in memory.
  std::unordered_map<std::string, std::int64_t> service_ids;
  std::unordered_map<std::string, std::int64_t> operation_ids;  // key: service id, '\0', name
  std::uint64_t trace_count = 0;

  std::string blob;  // scratch
  std::string serialized;
  std::string key;
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
    std::string key = std::to_string(s.columnInt(1));
    key += '\0';
    key += s.columnText(2);
    operation_ids.emplace(std::move(key), s.columnInt(0));
  }
  if (rc != SQLITE_DONE) {
    return failure(c, rc, "loading operations");
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
    // exists. 8 KiB pages hold a typical trace's compressed records without overflow pages.
    c->db.exec("PRAGMA page_size = 8192; PRAGMA auto_vacuum = INCREMENTAL");
  }
  // WAL: readers never block the writer nor it them. synchronous=NORMAL: a commit is durable
  // once the WAL is synced at checkpoint; a power cut may lose the last commits, never corrupt.
  if (c->db.exec("PRAGMA journal_mode = WAL") != SQLITE_OK) {
    return failure(*c, SQLITE_ERROR, config.path);
  }
  c->db.exec(
      "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; "
      "PRAGMA wal_autocheckpoint = 4096; PRAGMA journal_size_limit = 67108864; "
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
       "kept_at_ns, writes, service_ids, operation_ids) VALUES "
       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, ?16) "
       "ON CONFLICT (trace_id) DO NOTHING"},
      {&w->insert_blob, "INSERT INTO trace_blobs (id, records) VALUES (?1, ?2)"},
      {&w->insert_service, "INSERT INTO services (name) VALUES (?1)"},
      {&w->insert_operation, "INSERT INTO operations (service_id, name) VALUES (?1, ?2)"},
      {&w->insert_trace_service,
       "INSERT OR IGNORE INTO trace_services (service_id, start_ns, trace) VALUES (?1, ?2, ?3)"},
      {&w->insert_trace_operation,
       "INSERT OR IGNORE INTO trace_operations (operation_id, start_ns, trace) "
       "VALUES (?1, ?2, ?3)"},
      {&w->delete_trace_service,
       "DELETE FROM trace_services WHERE service_id = ?1 AND start_ns = ?2 AND trace = ?3"},
      {&w->delete_trace_operation,
       "DELETE FROM trace_operations WHERE operation_id = ?1 AND start_ns = ?2 AND trace = ?3"},
      {&w->select_for_merge,
       "SELECT t.id, t.start_ns, t.duration_ns, t.root_service, t.root_operation, t.services, "
       "t.error, t.span_count, t.record_count, t.bytes, t.service_ids, t.operation_ids, "
       "b.records FROM traces t JOIN trace_blobs b ON b.id = t.id WHERE t.trace_id = ?1"},
      {&w->update_trace,
       "UPDATE traces SET start_ns = ?2, duration_ns = ?3, root_service = ?4, "
       "root_operation = ?5, services = ?6, error = ?7, span_count = ?8, record_count = ?9, "
       "bytes = ?10, writes = writes + 1, service_ids = ?11, operation_ids = ?12 WHERE id = ?1"},
      {&w->update_blob, "UPDATE trace_blobs SET records = ?2 WHERE id = ?1"},
      {&w->oldest,
       "SELECT id, trace_id, start_ns, kept_at_ns, service_ids, operation_ids FROM traces "
       "ORDER BY id LIMIT ?1"},
      {&w->delete_trace, "DELETE FROM traces WHERE id = ?1"},
      {&w->delete_blob, "DELETE FROM trace_blobs WHERE id = ?1"},
      {&w->insert_expired,
       "INSERT OR REPLACE INTO expired (trace_id, expired_at_ns, reason) VALUES (?1, ?2, ?3)"},
      {&w->trim_expired, "DELETE FROM expired WHERE id <= (SELECT max(id) FROM expired) - ?1"},
  };
  for (const auto& e : entries) {
    const int rc = e.statement->prepare(c->db.get(), e.sql);
    if (rc != SQLITE_OK) {
      return failure(*c, rc, "preparing the writer's statements");
    }
  }
  auto names = loadNames(*c, w->service_ids, w->operation_ids);
  if (!names) {
    return Unexpected(std::move(names).error());
  }
  w->trace_count = static_cast<std::uint64_t>(c->db.queryInt("SELECT count(*) FROM traces"));
  return std::unique_ptr<TraceStore>(new TraceStore(config, std::move(c), std::move(w)));
}

namespace {

// Runs `step` on a statement that returns no rows; SQLITE_DONE becomes SQLITE_OK.
int run(Statement& s) {
  const int rc = s.step();
  s.reset();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

}  // namespace

StoreResult<WriteStats> TraceStore::write(std::span<const DecidedTracePtr> traces,
                                          TimestampNs now) {
  Connection& c = *connection_;
  Writer& w = *writer_;
  WriteStats stats;
  if (traces.empty()) {
    return stats;
  }
  int rc = run(w.begin);
  if (rc != SQLITE_OK) {
    return failure(c, rc, "starting a write");
  }
  std::uint64_t inserted = 0;

  // Ids of `name` in services, inserting it when new (inside this transaction).
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
    w.key = std::to_string(service);
    w.key += '\0';
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
  // The service and operation ids a trace's records name (deduplicated).
  std::vector<std::int64_t> service_ids;
  std::vector<std::int64_t> operation_ids;
  auto collectIds = [&](const trace::DecidedTrace& t) -> int {
    for (const auto& name : t.summary.services) {
      std::int64_t id = 0;
      if (const int result = serviceId(name, id); result != SQLITE_OK) {
        return result;
      }
      addUnique(service_ids, id);
    }
    std::string_view last_service;
    std::string_view last_operation;
    for (const auto& r : t.records) {
      const std::string_view service = r->serviceName();
      const std::string_view operation = r->operationName();
      if (service.empty() || (service == last_service && operation == last_operation)) {
        continue;
      }
      last_service = service;
      last_operation = operation;
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
  auto insertIndexRows = [&](std::int64_t row, TimestampNs start) -> int {
    for (const std::int64_t id : service_ids) {
      w.insert_trace_service.bind(1, id).bind(2, start).bind(3, row);
      if (const int result = run(w.insert_trace_service); result != SQLITE_OK) {
        return result;
      }
    }
    for (const std::int64_t id : operation_ids) {
      w.insert_trace_operation.bind(1, id).bind(2, start).bind(3, row);
      if (const int result = run(w.insert_trace_operation); result != SQLITE_OK) {
        return result;
      }
    }
    return SQLITE_OK;
  };

  // Appends the records of `t` to the stored trace with the same id.
  auto merge = [&](const trace::DecidedTrace& t, std::string_view key) -> int {
    Statement& s = w.select_for_merge;
    s.bindBlob(1, key);
    int result = s.step();
    if (result != SQLITE_ROW) {
      s.reset();
      return result == SQLITE_DONE ? SQLITE_INTERNAL : result;
    }
    const std::int64_t row = s.columnInt(0);
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
    CodecError codec_error{};
    const bool decoded = c.codec.decompress(s.columnBlob(12), w.serialized, codec_error);
    s.reset();
    record::RecordBatch stored;
    if (!decoded || !deserializeRecords(w.serialized, stored)) {
      return SQLITE_CORRUPT;  // the caller skips this trace and keeps the stored one as it is
    }
    for (const auto& r : t.records) {
      r->serialize(w.serialized);
    }
    const TimestampNs old_start = summary.start_ns;
    mergeSummary(summary, stored, t.records);
    if (!c.codec.encodeSerialized(w.serialized, w.blob)) {
      return SQLITE_NOMEM;
    }

    for (const std::int64_t id : old_services) {
      w.delete_trace_service.bind(1, id).bind(2, old_start).bind(3, row);
      if ((result = run(w.delete_trace_service)) != SQLITE_OK) {
        return result;
      }
    }
    for (const std::int64_t id : old_operations) {
      w.delete_trace_operation.bind(1, id).bind(2, old_start).bind(3, row);
      if ((result = run(w.delete_trace_operation)) != SQLITE_OK) {
        return result;
      }
    }
    service_ids = old_services;
    operation_ids = old_operations;
    if ((result = collectIds(t)) != SQLITE_OK) {
      return result;
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
    if ((result = run(w.update_trace)) != SQLITE_OK) {
      return result;
    }
    w.update_blob.bind(1, row).bindBlob(2, w.blob);
    return run(w.update_blob);
  };

  for (const DecidedTracePtr& t : traces) {
    if (!t || t->records.empty()) {
      ++stats.skipped;
      continue;
    }
    const auto key = idBytes(t->trace_id);
    service_ids.clear();
    operation_ids.clear();
    if ((rc = collectIds(*t)) != SQLITE_OK) {
      break;
    }
    // A trace handed over without a summary (record_count 0) is summarized from its records.
    TraceSummary computed;
    if (t->summary.record_count == 0) {
      mergeSummary(computed, {}, t->records);
    }
    const TraceSummary& summary = t->summary.record_count == 0 ? computed : t->summary;
    const std::string services = joinServices(summary.services);
    const std::string packed_services = packIds(service_ids);
    const std::string packed_operations = packIds(operation_ids);
    w.insert_trace.bindBlob(1, viewOf(key))
        .bind(2, summary.start_ns)
        .bind(3, summary.duration_ns)
        .bindText(4, summary.root_service)
        .bindText(5, summary.root_operation)
        .bindText(6, services)
        .bind(7, summary.error ? 1 : 0)
        .bind(8, summary.span_count)
        .bind(9, static_cast<std::int64_t>(t->records.size()))
        .bind(10, static_cast<std::int64_t>(summary.bytes))
        .bindText(11, t->decision.policy)
        .bind(12, t->decision.decided_at_ns)
        .bind(13, t->decision.early ? 1 : 0)
        .bind(14, now)
        .bindBlob(15, packed_services)
        .bindBlob(16, packed_operations);
    if ((rc = run(w.insert_trace)) != SQLITE_OK) {
      break;
    }
    if (c.db.changes() == 0) {
      rc = merge(*t, viewOf(key));
      if (rc == SQLITE_CORRUPT) {
        ++stats.skipped;
        rc = SQLITE_OK;
        continue;
      }
      if (rc != SQLITE_OK) {
        break;
      }
      ++stats.merged;
      stats.records += t->records.size();
      stats.stored_bytes += w.blob.size();
      continue;
    }
    const std::int64_t row = c.db.lastInsertRowid();
    if (!c.codec.encode(t->records, w.blob)) {
      rc = SQLITE_NOMEM;
      break;
    }
    w.insert_blob.bind(1, row).bindBlob(2, w.blob);
    if ((rc = run(w.insert_blob)) != SQLITE_OK) {
      break;
    }
    if ((rc = insertIndexRows(row, summary.start_ns)) != SQLITE_OK) {
      break;
    }
    ++stats.inserted;
    ++inserted;
    stats.records += t->records.size();
    stats.stored_bytes += w.blob.size();
  }
  if (rc == SQLITE_OK) {
    rc = run(w.commit);
  }
  if (rc != SQLITE_OK) {
    auto error = failure(c, rc, "writing traces");
    run(w.rollback);
    // Names inserted by the rolled-back transaction are gone: reload what the file holds.
    (void)loadNames(c, w.service_ids, w.operation_ids);
    return error;
  }
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
    std::array<char, 16> key;
    TimestampNs start;
    std::vector<std::int64_t> services;
    std::vector<std::int64_t> operations;
  };
  std::vector<Victim> victims;
  {
    Statement& s = w.oldest;
    s.bind(1, static_cast<std::int64_t>(count));
    while ((rc = s.step()) == SQLITE_ROW) {
      if (s.columnInt(3) >= older_than) {
        rc = SQLITE_DONE;  // kept_at grows with the row id: everything after is younger
        break;
      }
      Victim v;
      v.row = s.columnInt(0);
      const std::string_view key = s.columnBlob(1);
      std::memcpy(v.key.data(), key.data(), std::min<std::size_t>(key.size(), 16));
      v.start = s.columnInt(2);
      v.services = unpackIds(s.columnBlob(4));
      v.operations = unpackIds(s.columnBlob(5));
      victims.push_back(std::move(v));
    }
    s.reset();
  }
  if (rc != SQLITE_DONE) {
    auto error = failure(c, rc, "retention");
    run(w.rollback);
    return error;
  }
  rc = SQLITE_OK;
  for (const Victim& v : victims) {
    for (const std::int64_t id : v.services) {
      w.delete_trace_service.bind(1, id).bind(2, v.start).bind(3, v.row);
      if ((rc = run(w.delete_trace_service)) != SQLITE_OK) {
        break;
      }
    }
    for (const std::int64_t id : v.operations) {
      if (rc != SQLITE_OK) {
        break;
      }
      w.delete_trace_operation.bind(1, id).bind(2, v.start).bind(3, v.row);
      rc = run(w.delete_trace_operation);
    }
    if (rc == SQLITE_OK) {
      w.delete_trace.bind(1, v.row);
      rc = run(w.delete_trace);
    }
    if (rc == SQLITE_OK) {
      w.delete_blob.bind(1, v.row);
      rc = run(w.delete_blob);
    }
    if (rc == SQLITE_OK && config_.expired_ids > 0) {
      w.insert_expired.bindBlob(1, viewOf(v.key)).bind(2, now).bind(3, static_cast<int>(reason));
      rc = run(w.insert_expired);
    }
    if (rc != SQLITE_OK) {
      break;
    }
  }
  if (rc == SQLITE_OK && config_.expired_ids > 0) {
    w.trim_expired.bind(1, static_cast<std::int64_t>(config_.expired_ids));
    rc = run(w.trim_expired);
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
  int rc = c.db.exec(
      "BEGIN IMMEDIATE;"
      "DELETE FROM operations WHERE NOT EXISTS "
      "(SELECT 1 FROM trace_operations WHERE operation_id = operations.id);"
      "DELETE FROM services WHERE NOT EXISTS "
      "(SELECT 1 FROM trace_services WHERE service_id = services.id) AND NOT EXISTS "
      "(SELECT 1 FROM operations WHERE service_id = services.id);"
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
      auto deleted =
          deleteOldest(std::min(budget, kRetentionBatch), cutoff, ExpiryReason::kAge, now);
      if (!deleted) {
        return Unexpected(std::move(deleted).error());
      }
      stats.deleted_by_age += *deleted;
      budget -= *deleted;
      if (*deleted < std::min(budget + *deleted, kRetentionBatch)) {
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
    // they are a large share of the file (after retention shrank the store for good).
    const std::int64_t pages = c.db.queryInt("PRAGMA page_count");
    const std::int64_t free_pages = c.db.queryInt("PRAGMA freelist_count");
    if (free_pages > 0 && free_pages * 4 > pages &&
        (config_.max_size_bytes == 0 || stats.deleted_by_age > 0)) {
      c.db.exec("PRAGMA incremental_vacuum");
    }
  }
  return stats;
}

}  // namespace stitch::store
