// `store:` and `query:`: where kept traces are stored and how the query API reads them.
#include <chrono>

#include "config/sections/sections.h"
#include "core/store/store_config.h"

namespace stitch::config {

using store::QueryConfig;
using store::StoreConfig;
using namespace std::chrono_literals;

void describe(Schema<StoreConfig>& s) {
  s.field("enabled", &StoreConfig::enabled,
          "Keep the kept traces in the embedded SQLite store, so that `stitch trace ID`, "
          "`/api/v1/traces/{id}` and Jaeger's API find them after they leave memory.");
  s.field("path", &StoreConfig::path,
          "The database file (WAL mode: `-wal` and `-shm` files sit next to it); its directory "
          "is created when missing.");
  s.field("max_age", &StoreConfig::max_age,
          "Traces kept longer ago than this are deleted; 0s keeps them regardless of age.");
  s.size("max_size_bytes", &StoreConfig::max_size_bytes,
         "Above this many bytes of pages in use, the oldest traces are deleted (down to 90%); "
         "0 for no size limit.");
  s.field("retention_interval", &StoreConfig::retention_interval,
          "How often retention (max_age, max_size_bytes) runs.")
      .min(1s);
  s.field("batch_size", &StoreConfig::batch_size, "Most traces written in one transaction.").min(1);
  s.field("flush_interval", &StoreConfig::flush_interval,
          "Longest a kept trace waits before its batch is written.")
      .min(1ms);
  s.field("queue_size", &StoreConfig::queue_size, "Kept traces waiting for the store writer.")
      .min(1);
  s.field("full_policy", &StoreConfig::full_policy,
          "When the writer's queue is full: `block` makes the shard wait (backpressure reaches "
          "ingest, no kept trace is lost); `drop` drops the trace from the store and counts it "
          "in stitch_store_dropped_total{reason=\"queue_full\"}.");
  s.size("cache_bytes", &StoreConfig::cache_bytes,
         "Memory for recently kept traces, answered without a disk read; 0 disables the cache.");
  s.field("compression_level", &StoreConfig::compression_level,
          "zstd level of the stored records: 1 is fast and about 4x smaller than the raw lines, "
          "up to 19 compresses more at a high CPU cost; negative levels are faster still.")
      .min(-7)
      .max(19);
  s.field("expired_ids", &StoreConfig::expired_ids,
          "How many ids of traces deleted by retention are remembered, so that asking for one "
          "answers \"expired\" rather than \"unknown\"; 0 remembers none.");
}

void describe(Schema<QueryConfig>& s) {
  s.field("default_limit", &QueryConfig::default_limit,
          "Search results returned when a request names no limit.")
      .min(1);
  s.field("max_limit", &QueryConfig::max_limit,
          "Largest limit a search may ask for; a larger one is refused with 400 (the Jaeger API "
          "caps it instead).")
      .min(1);
  s.field("max_tag_scan", &QueryConfig::max_tag_scan,
          "How many stored traces a Jaeger search with tags opens at most to find its results.")
      .min(1);
}

void describeStoreSection(Schema<StitchConfig>& s) {
  s.field("store", &StitchConfig::store, "The embedded trace store (SQLite, WAL mode).");
  s.field("query", &StitchConfig::query, "Limits of the query API (`/api/v1/...`, `/api/...`).");
}

}  // namespace stitch::config
