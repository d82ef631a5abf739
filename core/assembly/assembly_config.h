#pragma once

#include <cstdint>

#include "core/common/config_problem.h"

namespace stitch::assembly {

// `assembly:` in stitch.yaml: how much the shards may hold while traces wait for a decision.
struct AssemblyConfig {
  static constexpr std::uint64_t kMiB = 1024 * 1024;

  // Global byte budget for everything held while traces are pending (records as allocated,
  // plus the per-trace and per-record bookkeeping); each of N shards gets 1/N of it. When a
  // record would not fit, the least recently active traces are decided early.
  std::uint64_t max_bytes = 256 * kMiB;
  // Per trace: reaching either cap decides the trace at once (early); its later records
  // follow that decision like late records.
  std::uint32_t max_spans_per_trace = 10'000;
  std::uint64_t max_bytes_per_trace = 16 * kMiB;

  ConfigProblems validate() const;
  friend bool operator==(const AssemblyConfig&, const AssemblyConfig&) = default;
};

}  // namespace stitch::assembly
