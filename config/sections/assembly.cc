// `assembly:`: what the shards may hold while traces wait for their decision.
#include "config/sections/sections.h"
#include "core/assembly/assembly_config.h"

namespace stitch::config {

using assembly::AssemblyConfig;

void describe(Schema<AssemblyConfig>& s) {
  s.size("max_bytes", &AssemblyConfig::max_bytes,
         "Memory for everything held while traces wait for a decision (records as allocated "
         "plus their bookkeeping), for the whole daemon; each shard gets its share. When a "
         "record does not fit, the least recently active traces are decided early (counted in "
         "stitch_assembly_evictions_total{reason=\"budget\"}); the budget is never exceeded.")
      .min(AssemblyConfig::kMiB);
  s.field("max_spans_per_trace", &AssemblyConfig::max_spans_per_trace,
          "A trace reaching this many span records is decided at once; its later records follow "
          "that decision like late records.")
      .min(1);
  s.size("max_bytes_per_trace", &AssemblyConfig::max_bytes_per_trace,
         "A trace reaching this many bytes is decided at once, like max_spans_per_trace.")
      .min(1)
      .max((std::uint64_t{1} << 32) - 1);
}

void describeAssemblySection(Schema<StitchConfig>& s) {
  s.field("assembly", &StitchConfig::assembly,
          "How records are stitched into traces while they wait for their sampling decision.");
}

}  // namespace stitch::config
