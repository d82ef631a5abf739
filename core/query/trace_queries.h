#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/query/trace_view.h"
#include "core/store/reader_pool.h"
#include "core/store/trace_cache.h"

namespace stitch::query {

// A snapshot of a trace its shard still buffers. The daemon implements it by asking the shard
// thread that owns the id (shards never share their buffers).
// Threading: called from HTTP threads; implementations must be thread-safe.
class PendingLookup {
public:
  virtual ~PendingLookup() = default;
  // A DecidedTrace-shaped snapshot (records copied, tree built; decision unset), or nullptr.
  virtual trace::DecidedTracePtr pendingTrace(const tracecontext::TraceId& trace_id) = 0;
};

// What the shards' decision caches remember about a trace id: why a trace is not stored.
// Threading: called from HTTP threads; implementations must be thread-safe.
class DecisionLookup {
public:
  virtual ~DecisionLookup() = default;
  virtual std::optional<trace::DecisionInfo> decisionFor(const tracecontext::TraceId& id) = 0;
};

// Rebuilds the tree of records read back from the store (assembly::buildTree in the daemon).
using TreeBuilder = std::function<trace::TraceTree(const record::RecordBatch&)>;

enum class NotFoundReason : std::uint8_t { kUnknown, kSampledOut, kExpired };
std::string_view notFoundReasonName(NotFoundReason reason) noexcept;  // "sampled_out", ...

struct TraceLookup {
  trace::DecidedTracePtr trace;  // set when found
  TraceState state = TraceState::kKept;
  NotFoundReason reason = NotFoundReason::kUnknown;
  std::optional<store::ExpiredTrace> expired;   // kExpired: when and why
  std::optional<trace::DecisionInfo> decision;  // kSampledOut, or kept but not stored
  std::string error;                            // the store failed: neither found nor missing

  bool found() const noexcept { return trace != nullptr; }
};

// Where the query API looks. Every source is optional: a daemon without a store still answers
// for pending and recently kept traces.
struct QuerySources {
  PendingLookup* pending = nullptr;
  DecisionLookup* decisions = nullptr;
  store::TraceCache* cache = nullptr;
  store::ReaderPool* store = nullptr;
  TreeBuilder build_tree;  // required to show stored traces (or cached ones kept in parts)
};

// Finds traces across the sources, in the order that makes "show me trace X" right: pending
// (the shard), recently kept (the cache), stored, then why not (decision cache: sampled out;
// store: expired).
// Threading: any HTTP thread; the sources are thread-safe.
class TraceQueries {
public:
  explicit TraceQueries(QuerySources sources) : sources_(std::move(sources)) {}

  TraceLookup find(const tracecontext::TraceId& trace_id);
  // Kept traces from the store (summaries only). An error when there is no store.
  Result<std::vector<store::TraceRow>, std::string> search(const store::SearchFilter& filter);
  Result<std::vector<std::string>, std::string> services();
  Result<std::vector<std::string>, std::string> operations(std::string_view service);
  bool hasStore() const noexcept { return sources_.store != nullptr; }

private:
  trace::DecidedTracePtr fromParts(std::vector<trace::DecidedTracePtr>&& parts) const;

  QuerySources sources_;
};

}  // namespace stitch::query
