// `output:`: where decoded records go until the pipeline (shards, exporters) lands.
#include "config/sections/sections.h"
#include "core/ingest/output_config.h"

namespace stitch::config {

using ingest::OutputConfig;
using ingest::OutputType;

void describe(EnumSchema<OutputType>& e) {
  e.value("stdout", OutputType::kStdout).value("file", OutputType::kFile);
}

void describe(Schema<OutputConfig>& s) {
  s.field("type", &OutputConfig::type,
          "`stdout` or `file`: every record as one line, its original bytes unchanged.");
  s.field("path", &OutputConfig::path,
          "With type `file`: the file appended to (created when missing; a FIFO works too). "
          "SIGHUP reopens it, so logrotate can move it away.");
  s.field("queue_records", &OutputConfig::queue_records,
          "Records waiting for the output at most. When full, stitchd stops reading TCP and "
          "Unix stream connections and UDP sockets (senders slow down, the kernel buffers UDP) "
          "and answers HTTP with 503: backpressure, nothing dropped.")
      .min(1);
  s.size("queue_bytes", &OutputConfig::queue_bytes,
         "Bytes of the records waiting for the output at most; the same backpressure.")
      .min(64 * 1024);
  s.size("write_buffer", &OutputConfig::write_buffer,
         "Bytes collected before one write(); written sooner whenever the queue runs empty.")
      .min(4096)
      .max(256 * 1024 * 1024);
}

void describeOutputSection(Schema<StitchConfig>& s) {
  s.field("output", &StitchConfig::output,
          "Where records go for now: stdout or an NDJSON file (the exporters replace this).");
}

}  // namespace stitch::config
