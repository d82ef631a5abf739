// `pipeline:`: the shard threads between the ingest workers and the exporters.
#include "config/sections/sections.h"
#include "core/pipeline/pipeline_config.h"

namespace stitch::config {

using pipeline::PipelineConfig;

void describe(Schema<PipelineConfig>& s) {
  s.field("shards", &PipelineConfig::shards,
          "Shard threads; a trace id always maps to the same shard, which assembles and decides "
          "its traces alone. 0: one per two cores (at least one).")
      .max(256);
  s.field("queue_records", &PipelineConfig::queue_records,
          "Records waiting for each shard at most. When a shard's queue is full, stitchd stops "
          "reading TCP and Unix stream connections and UDP sockets (senders slow down, the "
          "kernel buffers UDP) and answers HTTP with 503 after api.push_timeout: backpressure, "
          "nothing dropped.")
      .min(1);
  s.size("queue_bytes", &PipelineConfig::queue_bytes,
         "Bytes of the records waiting for each shard at most; the same backpressure.")
      .min(64 * 1024);
}

void describePipelineSection(Schema<StitchConfig>& s) {
  s.field("pipeline", &StitchConfig::pipeline,
          "How records travel from the ingest workers to the shard threads that assemble and "
          "sample traces.");
}

}  // namespace stitch::config
