#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/assembly/trace_id_index.h"
#include "core/common/clock.h"
#include "core/common/config_problem.h"
#include "core/trace/trace.h"

namespace stitch::sampling {

// `sampling.decision_cache` in stitch.yaml.
struct DecisionCacheConfig {
  bool enabled = true;
  // Decisions remembered for the whole daemon (each of N shards holds 1/N); about 100 bytes
  // each (ring entry, index slots at <= 70% load, a forgotten-id fingerprint).
  std::uint32_t max_entries = 262'144;
  // A decision older than this is forgotten even when there is room.
  std::chrono::milliseconds ttl{120'000};

  ConfigProblems validate() const;
  friend bool operator==(const DecisionCacheConfig&, const DecisionCacheConfig&) = default;
};

// A remembered decision. `policy` is the deciding policy's id in the shard's TailSampler.
struct CachedDecision {
  trace::Decision decision = trace::Decision::kDrop;
  std::uint16_t policy = 0;
  bool early = false;
  TimestampNs decided_at_ns = 0;
};

// Remembers keep and drop decisions so that records arriving after their trace was decided
// follow that decision. Bounded two ways: at most `max_entries` (the oldest decision is
// forgotten first) and at most `ttl` old (expire()). A ring in decision order plus an
// open-addressing index by trace id: O(1) per operation, no allocation once the ring is full.
// Ids it forgot leave a 32-bit fingerprint in a direct-mapped table, so that a record of a
// forgotten trace (which then starts a new trace) can be counted as such; a fingerprint
// collision can only miscount, never change a decision.
// Threading: shard thread only.
class DecisionCache {
public:
  DecisionCache(std::size_t max_entries, std::chrono::nanoseconds ttl);

  // Remembers a decision (replacing any earlier one for the id).
  void insert(const tracecontext::TraceId& id, const CachedDecision& decision);
  // The decision for `id`, unless it is older than the TTL at `now`; null when unknown.
  const CachedDecision* find(const tracecontext::TraceId& id, TimestampNs now) const noexcept;
  // Forgets every decision older than the TTL at `now`.
  void expire(TimestampNs now);
  // Starts loading what find() and wasForgotten() will read for `id`.
  void prefetch(const tracecontext::TraceId& id) const noexcept;
  // True when `id` was remembered once and has been forgotten (probably: fingerprints).
  bool wasForgotten(const tracecontext::TraceId& id) const noexcept;

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t capacity() const noexcept { return max_entries_; }
  std::size_t memoryBytes() const noexcept;

private:
  struct Entry {
    tracecontext::TraceId id;
    CachedDecision decision;
    bool live = false;
  };
  void forgetOldest();
  void rememberForgotten(const tracecontext::TraceId& id) noexcept;
  std::size_t fingerprintSlot(const tracecontext::TraceId& id, std::uint32_t& print) const noexcept;

  std::size_t max_entries_;
  TimestampNs ttl_ns_;
  std::vector<Entry> ring_;                      // grows to max_entries_, then wraps
  std::size_t head_ = 0;                         // oldest entry
  std::size_t count_ = 0;                        // entries in the ring (live or replaced)
  assembly::TraceIdIndex<std::uint32_t> index_;  // id -> ring position
  std::vector<std::uint32_t> forgotten_;
};

}  // namespace stitch::sampling
