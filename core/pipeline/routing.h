#pragma once

#include <cstddef>
#include <cstdint>

#include "core/tracecontext/ids.h"

namespace stitch::pipeline {

// The shard that owns a trace id: the high 64 bits of hash * shards, where hash is
// TraceIdHash (mix64 of both halves). Every record of a trace lands on the same shard, and
// any tier (a forwarding stitchd, another replica) computing this formula agrees on it.
// The high bits are used because the per-shard hash tables index by the low bits of the same
// hash: a modulo by a power of two would give every table of a shard identical low bits.
// `shards` must be positive. Never allocates; safe from any thread.
inline std::size_t shardFor(const tracecontext::TraceId& id, std::size_t shards) noexcept {
  const std::uint64_t hash = tracecontext::TraceIdHash{}(id);
  const std::uint64_t n = shards;
  // High half of the 128-bit product hash * n, without a compiler extension.
  const std::uint64_t hash_lo = hash & 0xffffffffULL;
  const std::uint64_t hash_hi = hash >> 32;
  const std::uint64_t n_lo = n & 0xffffffffULL;
  const std::uint64_t n_hi = n >> 32;
  const std::uint64_t lo_lo = hash_lo * n_lo;
  const std::uint64_t hi_lo = hash_hi * n_lo;
  const std::uint64_t lo_hi = hash_lo * n_hi;
  const std::uint64_t hi_hi = hash_hi * n_hi;
  const std::uint64_t middle = hi_lo + (lo_lo >> 32);                // < 2^64
  const std::uint64_t middle_lo = (middle & 0xffffffffULL) + lo_hi;  // < 2^64
  return static_cast<std::size_t>(hi_hi + (middle >> 32) + (middle_lo >> 32));
}

}  // namespace stitch::pipeline
