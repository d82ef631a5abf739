#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/store/record_codec.h"
#include "core/store/store_config.h"
#include "core/trace/trace.h"

namespace stitch::store {

using trace::DecidedTracePtr;
using trace::DecisionInfo;
using trace::TraceSummary;
using tracecontext::TraceId;

// The schema this build writes; older files are migrated on open, newer ones refused.
inline constexpr int kSchemaVersion = 1;

// Records of consecutive traces are compressed together, up to this many serialized bytes per
// chunk: similar log lines compress far better side by side than one trace at a time, and a
// read decompresses one chunk (~50 us), not the whole batch.
inline constexpr std::size_t kChunkBytes = 64 * 1024;

// The trace-id index is partitioned by row id: 2^kGenerationShift traces per generation. Writes
// insert into the newest generation only, so each commit dirties a bounded set of index pages
// whatever the size of the store; a lookup probes every generation (~60 for 1M traces).
inline constexpr int kGenerationShift = 14;

enum class StoreErrorCode : std::uint8_t {
  kOpen,     // cannot create or open the file (path, permissions)
  kSchema,   // the file is not a stitch store, or a migration failed
  kTooNew,   // written by a newer stitch (schema version above kSchemaVersion)
  kBusy,     // another process holds the write lock beyond the busy timeout
  kFull,     // disk or quota full
  kIo,       // any other SQLite failure
  kCorrupt,  // a stored blob does not decode
};
std::string_view storeErrorName(StoreErrorCode code) noexcept;

struct StoreError {
  StoreErrorCode code = StoreErrorCode::kIo;
  std::string message;
  // Worth retrying later (lock contention, full disk that retention may free).
  bool retryable() const noexcept {
    return code == StoreErrorCode::kBusy || code == StoreErrorCode::kFull;
  }
};

template <class T>
using StoreResult = Result<T, StoreError>;

// One kept trace as the store returns it. The tree is not stored: the query layer rebuilds it
// from the records.
struct StoredTrace {
  TraceId trace_id;
  record::RecordBatch records;         // arrival order; records of later writes follow
  TraceSummary summary;                // kept up to date when late records are merged
  DecisionInfo decision;               // of the first write
  TimestampNs kept_at_ns = 0;          // when the store first wrote the trace (retention age)
  std::uint32_t writes = 1;            // 1 + the number of late-record batches merged into it
  std::uint64_t serialized_bytes = 0;  // its records' stored form, before compression
};

// One search result: the indexed columns only, no records.
struct TraceRow {
  TraceId trace_id;
  TraceSummary summary;  // record_count and bytes included; services sorted
  DecisionInfo decision;
  TimestampNs kept_at_ns = 0;
  std::uint32_t writes = 1;
};

// What search matches. Every given criterion must hold; results come newest start first.
struct SearchFilter {
  std::string service{};    // some span or log of the trace has this service
  std::string operation{};  // some span has this operation (in `service` when that is given)
  std::optional<std::int64_t> min_duration_ns{};
  std::optional<std::int64_t> max_duration_ns{};
  std::optional<bool> error{};
  std::optional<TimestampNs> start_min_ns{};  // the trace started at or after
  std::optional<TimestampNs> start_max_ns{};  // the trace started at or before
  std::string policy{};                       // the policy that kept it
  std::uint32_t limit = 20;
};

// Widens `summary`, which describes `earlier`, by the records of a later part of the same trace
// (late records kept after the first write): start and end, services, error, counts, and the
// root when a later record is a true root span that starts no later. With an empty summary
// (record_count 0) and no earlier records it summarizes `later` alone.
void widenSummary(TraceSummary& summary,
                  const record::RecordBatch& earlier,
                  const record::RecordBatch& later);

enum class ExpiryReason : std::uint8_t { kAge = 1, kSize = 2 };
std::string_view expiryReasonName(ExpiryReason reason) noexcept;  // "age", "size"

struct ExpiredTrace {
  TimestampNs expired_at_ns = 0;
  ExpiryReason reason = ExpiryReason::kAge;
};

struct WriteStats {
  std::uint32_t inserted = 0;  // new traces
  std::uint32_t merged = 0;    // late records appended to a stored trace
  std::uint32_t skipped = 0;   // traces without records, or whose stored blob is corrupt
  std::uint64_t records = 0;
  std::uint64_t stored_bytes = 0;      // compressed bytes written (chunks)
  std::uint64_t serialized_bytes = 0;  // the records' serialized bytes before compression
};

struct RetentionStats {
  std::uint64_t deleted_by_age = 0;
  std::uint64_t deleted_by_size = 0;
  bool complete = true;  // false: the step limit was reached; call again
};

struct StoreStats {
  std::uint64_t traces = 0;
  std::uint64_t used_bytes = 0;  // pages in use (the size limit's measure)
  std::uint64_t file_bytes = 0;  // the database file, free pages included
  std::uint64_t wal_bytes = 0;
  std::uint64_t expired_ids = 0;
  TimestampNs oldest_kept_at_ns = 0;
  TimestampNs newest_kept_at_ns = 0;
};

// A batch of traces made ready for TraceStore::write() without touching the database: records
// serialized and compressed into chunks, summaries and names gathered. Preparing is most of the
// CPU a write costs, so the store writer does it on another thread than the SQLite writes.
struct PreparedBatch {
  struct Item {
    DecidedTracePtr trace;
    TraceSummary summary;      // the trace's, or computed from its records when it came without one
    std::uint32_t chunk = 0;   // index into `chunks`
    std::uint32_t offset = 0;  // of its serialized records in the chunk
    std::uint32_t length = 0;
    // Distinct (service, operation) pairs its records and summary name; views into `trace`.
    std::vector<std::pair<std::string_view, std::string_view>> names;
  };
  std::vector<Item> items;
  std::vector<std::string> chunks;  // compressed (record_codec.h blobs)
  std::uint64_t serialized_bytes = 0;
  std::uint32_t skipped = 0;  // traces without records
};

// Prepares batches. Threading: an instance belongs to one thread (it reuses its buffers).
class BatchEncoder {
public:
  explicit BatchEncoder(int compression_level);
  ~BatchEncoder();
  BatchEncoder(const BatchEncoder&) = delete;
  BatchEncoder& operator=(const BatchEncoder&) = delete;

  // False only when zstd cannot allocate its working memory.
  bool prepare(std::span<const DecidedTracePtr> traces, PreparedBatch& batch);

private:
  struct State;
  std::unique_ptr<State> state_;
};

namespace detail {
struct Connection;
}

// Read access to a store file. Open one per thread that reads (SQLite connections are not
// shared between threads here); WAL lets readers run while the writer writes.
// Threading: an instance belongs to one thread at a time.
class TraceReader {
public:
  // Opens an existing store read-only. Fails when the file is missing, is not a stitch store, or
  // has a schema this build does not know.
  static StoreResult<std::unique_ptr<TraceReader>> open(const std::string& path);
  virtual ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  // The trace with this id, decompressed; nullopt when the store does not hold it.
  StoreResult<std::optional<StoredTrace>> get(const TraceId& trace_id);
  // When retention deleted this id. At least the last StoreConfig::expired_ids deleted ids are
  // remembered (whole generations of the id index are forgotten at once).
  StoreResult<std::optional<ExpiredTrace>> expired(const TraceId& trace_id);
  StoreResult<std::vector<TraceRow>> search(const SearchFilter& filter);
  // Services seen in stored traces, sorted.
  StoreResult<std::vector<std::string>> services();
  // Span operations of `service` in stored traces, sorted; empty for an unknown service.
  StoreResult<std::vector<std::string>> operations(std::string_view service);
  StoreResult<StoreStats> stats();

protected:
  explicit TraceReader(std::unique_ptr<detail::Connection> connection);
  std::unique_ptr<detail::Connection> connection_;
};

// The store's one writer: opens (creating and migrating) the file, writes kept traces in
// batches, enforces retention. Also reads, like a TraceReader.
// Threading: the store writer thread only (daemon/store); it has no thread of its own.
class TraceStore : public TraceReader {
public:
  // Creates the directory and the file when missing; WAL mode, synchronous=NORMAL, a busy
  // timeout; migrates an older schema. Fails on a file that is not a stitch store or is newer.
  static StoreResult<std::unique_ptr<TraceStore>> open(const StoreConfig& config);
  ~TraceStore() override;

  // Writes `traces` in one transaction (all or nothing). A trace id already stored (late
  // records kept after the first write, or the same trace kept twice) is merged: its records
  // are appended and its summary widened, never replaced. `now` becomes kept_at of new traces.
  StoreResult<WriteStats> write(std::span<const DecidedTracePtr> traces, TimestampNs now);
  // The same for a batch prepared (on any thread) by a BatchEncoder. The batch is left as it
  // was, so that a failed write can be retried with it.
  StoreResult<WriteStats> write(const PreparedBatch& batch, TimestampNs now);

  // Deletes traces kept before now - max_age, then the oldest while the pages in use exceed
  // max_size_bytes (down to 90% of it, so that it does not run on every write). Deleted ids are
  // remembered as expired. At most `max_deletes` traces go per call, each batch of them in its
  // own transaction; `complete` says whether more remain.
  StoreResult<RetentionStats> enforceRetention(TimestampNs now,
                                               std::uint64_t max_deletes = 100'000);

  std::uint64_t traceCount() const noexcept;  // kept in memory, exact
  // Bytes of the pages in use (what max_size_bytes limits): three PRAGMAs, no table scan.
  std::uint64_t usedBytes();
  const StoreConfig& config() const noexcept { return config_; }

private:
  struct Writer;
  TraceStore(const StoreConfig& config,
             std::unique_ptr<detail::Connection> connection,
             std::unique_ptr<Writer> writer);

  StoreResult<std::uint64_t> deleteOldest(std::uint64_t count,
                                          TimestampNs older_than,
                                          ExpiryReason reason,
                                          TimestampNs now);
  StoreResult<bool> pruneNames();
  void forgetWriteState();

  StoreConfig config_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace stitch::store
