#include "core/store/store_config.h"

namespace stitch::store {

ConfigProblems StoreConfig::validate() const {
  ConfigProblems problems;
  if (!enabled) {
    return problems;
  }
  if (path.empty()) {
    problems.push_back({"path", "must not be empty when the store is enabled"});
  }
  if (max_age.count() < 0) {
    problems.push_back({"max_age", "must not be negative (0 keeps traces regardless of age)"});
  }
  if (max_size_bytes != 0 && max_size_bytes < kMiB) {
    problems.push_back({"max_size_bytes", "must be at least 1 MiB (or 0 for no size limit)"});
  }
  if (retention_interval.count() <= 0) {
    problems.push_back({"retention_interval", "must be positive"});
  }
  if (batch_size == 0) {
    problems.push_back({"batch_size", "must be positive"});
  }
  if (flush_interval.count() <= 0) {
    problems.push_back({"flush_interval", "must be positive"});
  }
  if (queue_size == 0) {
    problems.push_back({"queue_size", "must be positive"});
  } else if (queue_size < batch_size) {
    problems.push_back({"queue_size", "must be at least batch_size"});
  }
  if (compression_level < -7 || compression_level > 19 || compression_level == 0) {
    problems.push_back({"compression_level", "must be a zstd level: 1..19, or -7..-1 for speed"});
  }
  return problems;
}

ConfigProblems QueryConfig::validate() const {
  ConfigProblems problems;
  if (max_limit == 0) {
    problems.push_back({"max_limit", "must be positive"});
  }
  if (default_limit == 0) {
    problems.push_back({"default_limit", "must be positive"});
  } else if (default_limit > max_limit) {
    problems.push_back({"default_limit", "must not exceed max_limit"});
  }
  if (max_tag_scan == 0) {
    problems.push_back({"max_tag_scan", "must be positive"});
  }
  return problems;
}

}  // namespace stitch::store
