#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/common/config_problem.h"
#include "core/export/exporter_config.h"

namespace stitch::store {

// The embedded trace store (SQLite, WAL). Declared here, mapped from YAML by config/ (section
// `store:`), read by the daemon's store writer and by the query API.
struct StoreConfig {
  static constexpr std::uint64_t kMiB = 1024 * 1024;

  bool enabled = true;
  // The database file; its directory is created when missing. WAL mode adds `<path>-wal` and
  // `<path>-shm` next to it.
  std::string path = "stitch-data/traces.db";

  // Retention. A trace is deleted once it was kept longer ago than max_age, or, oldest first,
  // while the database holds more than max_size bytes of pages in use. Zero disables a limit.
  std::chrono::seconds max_age{std::chrono::hours{72}};
  std::uint64_t max_size_bytes = 1024 * kMiB;
  std::chrono::seconds retention_interval{30};  // how often the writer thread enforces it

  // Writer thread: a transaction takes up to batch_size traces, or what arrived within
  // flush_interval. The queue holds at most queue_size traces; when it is full, full_policy
  // says whether the shard handing on a kept trace waits (block: backpressure reaches ingest,
  // no trace is lost) or the trace is dropped from the store and counted (drop).
  std::uint32_t batch_size = 1024;
  std::chrono::milliseconds flush_interval{200};
  std::uint32_t queue_size = 16384;
  exporting::FullPolicy full_policy = exporting::FullPolicy::kBlock;

  // Recently kept traces stay in memory (byte-bounded LRU) so that asking for one right after it
  // was kept costs no disk read. Zero disables the cache.
  std::uint64_t cache_bytes = 64 * kMiB;

  // zstd level for the stored records: 1 is fast and compresses log lines several times over;
  // -7..-1 trade ratio for speed, up to 19 for archives written rarely.
  int compression_level = 1;

  // How many ids of traces deleted by retention are remembered, so that asking for one answers
  // "expired" rather than "unknown".
  std::uint32_t expired_ids = 200'000;

  // Every problem, paths relative to this struct ("max_size_bytes").
  ConfigProblems validate() const;
  friend bool operator==(const StoreConfig&, const StoreConfig&) = default;
};

// Limits of the query API (`GET /api/v1/traces`, `GET /api/traces`).
struct QueryConfig {
  std::uint32_t default_limit = 20;  // search results when the request names no limit
  std::uint32_t max_limit = 1000;    // a larger limit is rejected with 400
  // How many stored traces a Jaeger search with `tags` may open to find `limit` matches.
  std::uint32_t max_tag_scan = 5000;

  ConfigProblems validate() const;
  friend bool operator==(const QueryConfig&, const QueryConfig&) = default;
};

}  // namespace stitch::store
