#pragma once

#include <cstdint>

#include "core/common/config_problem.h"

namespace stitch::pipeline {

// `pipeline:` in stitch.yaml: how records travel from the ingest workers to the shards.
struct PipelineConfig {
  static constexpr std::uint64_t kMiB = 1024 * 1024;

  // Shard threads. A trace id always maps to the same shard; each shard assembles and decides
  // its traces alone. 0 picks one per two cores (at least one).
  std::uint32_t shards = 0;
  // Each shard's inbound queue. When a shard's queue is full the ingest workers stop reading
  // (TCP and Unix stream), UDP waits in its socket buffer, HTTP answers 503 after a while.
  std::uint64_t queue_records = 65536;
  std::uint64_t queue_bytes = 64 * kMiB;

  ConfigProblems validate() const;
  friend bool operator==(const PipelineConfig&, const PipelineConfig&) = default;
};

// The number of shards for `config` on a machine with `cores` hardware threads.
std::uint32_t shardCount(const PipelineConfig& config, unsigned cores) noexcept;

}  // namespace stitch::pipeline
