#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/trace/trace.h"

namespace stitch::store {

// Recently kept traces held in memory, least recently used evicted first, bounded by an
// estimate of the bytes they hold. It answers "show me the trace I just saw kept" without a
// disk read, including traces still waiting in the store writer's queue. A later part of a
// trace (late records kept after the first) is held next to the earlier ones; the query layer
// merges the parts.
// Threading: every method locks; the store writer's submit() puts, HTTP threads find.
class TraceCache {
public:
  explicit TraceCache(std::uint64_t max_bytes) noexcept : max_bytes_(max_bytes) {}

  // Adds a part of a trace. A part larger than the whole cache is not held.
  void put(trace::DecidedTracePtr part);
  // The parts held for `trace_id`, oldest first; empty when none. Marks the trace as used.
  std::vector<trace::DecidedTracePtr> find(const tracecontext::TraceId& trace_id);
  void erase(const tracecontext::TraceId& trace_id);

  std::uint64_t bytes() const;
  std::size_t traces() const;
  std::uint64_t evictions() const;
  std::uint64_t maxBytes() const noexcept { return max_bytes_; }

  // What a DecidedTrace holds on the heap, roughly (records, tree, summary).
  static std::uint64_t estimateBytes(const trace::DecidedTrace& trace) noexcept;

private:
  struct Entry {
    tracecontext::TraceId trace_id;
    std::vector<trace::DecidedTracePtr> parts;
    std::uint64_t bytes = 0;
  };
  using List = std::list<Entry>;

  void evictLocked();

  const std::uint64_t max_bytes_;
  mutable std::mutex mutex_;
  List lru_;  // most recently used first
  std::unordered_map<tracecontext::TraceId, List::iterator, tracecontext::TraceIdHash> index_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace stitch::store
