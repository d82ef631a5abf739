#include "core/pipeline/pipeline_config.h"

#include <algorithm>

namespace stitch::pipeline {

ConfigProblems PipelineConfig::validate() const {
  ConfigProblems problems;
  if (shards > 256) {
    problems.push_back({"shards", "at most 256 shards"});
  }
  if (queue_records == 0) {
    problems.push_back({"queue_records", "must be at least 1"});
  }
  if (queue_bytes < 64 * 1024) {
    problems.push_back({"queue_bytes", "must be at least 64KiB"});
  }
  return problems;
}

std::uint32_t shardCount(const PipelineConfig& config, unsigned cores) noexcept {
  if (config.shards != 0) {
    return config.shards;
  }
  return std::min(256u, std::max(1u, cores / 2));
}

}  // namespace stitch::pipeline
