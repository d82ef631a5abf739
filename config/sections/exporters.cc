// `exporters:`: where kept traces, late records and untraced logs go (docs/exporters.md).
#include <chrono>

#include "config/sections/sections.h"
#include "core/export/exporter_config.h"

namespace stitch::config {

using namespace exporting;
using namespace std::chrono_literals;

void describe(EnumSchema<FullPolicy>& e) {
  e.value("block", FullPolicy::kBlock).value("drop", FullPolicy::kDrop);
}

void describe(EnumSchema<NdjsonMode>& e) {
  e.value("per_record", NdjsonMode::kPerRecord).value("per_trace", NdjsonMode::kPerTrace);
}

void describe(EnumSchema<FsyncPolicy>& e) {
  e.value("never", FsyncPolicy::kNever)
      .value("batch", FsyncPolicy::kBatch)
      .value("interval", FsyncPolicy::kInterval);
}

void describe(EnumSchema<Compression>& e) {
  e.value("none", Compression::kNone).value("gzip", Compression::kGzip);
}

void describe(EnumSchema<LogEventMode>& e) {
  e.value("log_records", LogEventMode::kLogRecords)
      .value("span_events", LogEventMode::kSpanEvents)
      .value("both", LogEventMode::kBoth);
}

void describe(Schema<RetryConfig>& s) {
  s.field("enabled", &RetryConfig::enabled,
          "Retry retryable failures (network errors, HTTP 429/502/503/504, a failed write); "
          "false drops a batch at its first failure.");
  s.field("initial_backoff", &RetryConfig::initial_backoff, "Wait before the first retry.")
      .min(1ms);
  s.field("max_backoff", &RetryConfig::max_backoff,
          "The wait doubles after each failure up to this.")
      .min(1ms);
  s.field("max_elapsed", &RetryConfig::max_elapsed,
          "Give a batch up (counted as dropped, reason retries_exhausted) when its next retry "
          "would start this long after its first attempt; 0s retries for ever.");
  s.field("max_attempts", &RetryConfig::max_attempts,
          "Give a batch up after this many attempts; 0 sets no limit.");
  s.field("jitter", &RetryConfig::jitter,
          "Each wait is drawn from [(1 - jitter) x wait, wait]; 1 is full jitter, 0 none.")
      .min(0.0)
      .max(1.0);
}

void describe(Schema<ExporterCommonConfig>& s) {
  s.field("queue_size", &ExporterCommonConfig::queue_size,
          "Items (kept traces or record batches) waiting for this exporter.")
      .min(1);
  s.size("queue_max_bytes", &ExporterCommonConfig::queue_max_bytes,
         "Bytes of record lines waiting for this exporter; 0 sets no limit.");
  s.field("batch_max_items", &ExporterCommonConfig::batch_max_items,
          "Most items sent or written in one batch.")
      .min(1);
  s.size("batch_max_bytes", &ExporterCommonConfig::batch_max_bytes,
         "Most bytes of record lines in one batch (a batch holds at least one item).")
      .min(1);
  s.field("flush_interval", &ExporterCommonConfig::flush_interval,
          "Longest an item waits for its batch to fill before a smaller batch is sent.");
  s.field("full_policy", &ExporterCommonConfig::full_policy,
          "When the queue is full: `block` makes the pipeline wait (backpressure, nothing "
          "lost); `drop` drops the item and counts it.");
  s.field("retry", &ExporterCommonConfig::retry,
          "Retries with exponential backoff and jitter; a server's Retry-After wins.");
}

void describe(Schema<FileRotationConfig>& s) {
  s.size("max_size", &FileRotationConfig::max_size,
         "Rotate before the file would grow past this, at a line boundary; 0 never rotates "
         "by size.");
  s.field("max_age", &FileRotationConfig::max_age,
          "Rotate a non-empty file this old; 0s never rotates by age.");
  s.field("max_files", &FileRotationConfig::max_files,
          "Rotated files kept: path.1 (newest) to path.N; the oldest is deleted.");
}

void describe(Schema<FileExporterConfig>& s) {
  s.field("path", &FileExporterConfig::path,
          "The NDJSON file, appended to (created with mode 0640, and its directory when missing).")
      .required();
  s.field("mode", &FileExporterConfig::mode,
          "`per_record`: each record's original line; `per_trace`: one JSON object per trace "
          "(id, decision, summary, records).");
  s.field("rotate", &FileExporterConfig::rotate, "When the file is rotated.");
  s.field("fsync", &FileExporterConfig::fsync,
          "`never`; `batch`: fdatasync after every batch; `interval`: at most every "
          "fsync_interval.");
  s.field("fsync_interval", &FileExporterConfig::fsync_interval,
          "With fsync: interval, the longest written data waits for fdatasync.")
      .min(1ms);
}

void describe(Schema<StdoutExporterConfig>& s) {
  s.field("mode", &StdoutExporterConfig::mode,
          "`per_record`: each record's original line; `per_trace`: one JSON object per trace.");
}

void describe(Schema<OtlpHttpExporterConfig>& s) {
  s.field("endpoint", &OtlpHttpExporterConfig::endpoint,
          "Base URL of the OTLP/HTTP receiver: http://host[:port][/prefix].");
  s.field("traces_path", &OtlpHttpExporterConfig::traces_path,
          "Appended to endpoint for spans; empty sends no spans (Loki, log-only receivers).");
  s.field("logs_path", &OtlpHttpExporterConfig::logs_path,
          "Appended to endpoint for log records; empty sends none (Jaeger, Tempo).");
  s.field("headers", &OtlpHttpExporterConfig::headers,
          "HTTP headers sent with every request, e.g. Authorization; ${VAR} reads the "
          "environment.");
  s.field("compression", &OtlpHttpExporterConfig::compression, "`gzip` or `none`.");
  s.field("timeout", &OtlpHttpExporterConfig::timeout,
          "One request (connect, send, response) fails after this and is retried.")
      .min(1ms);
  s.size("max_request_bytes", &OtlpHttpExporterConfig::max_request_bytes,
         "Largest uncompressed request body; bigger batches are split.")
      .min(1024);
  s.field("log_events", &OtlpHttpExporterConfig::log_events,
          "Where log events of spans go: `log_records` (to logs_path; each record sent once), "
          "`span_events` (inside their spans, for trace-only backends) or `both`.");
}

void describe(Schema<ExporterConfig>& s) {
  s.oneOf("type", &ExporterConfig::settings, "Where this exporter sends what stitch keeps.")
      .alternative<FileExporterConfig>(
          "file", "Appends NDJSON to a file, with rotation and an fsync policy.")
      .alternative<StdoutExporterConfig>("stdout", "Writes NDJSON to standard output.")
      .alternative<OtlpHttpExporterConfig>(
          "otlp_http",
          "Posts OTLP/HTTP JSON to an OpenTelemetry Collector, Jaeger, Tempo or a vendor.");
  s.field("name", &ExporterConfig::name,
          "Names the exporter in metrics and logs; empty uses the type (with the list index "
          "when a type repeats).");
  s.embed(&ExporterConfig::common);
}

void describe(Schema<ExportConfig>& s) {
  s.field("exporters", &ExportConfig::exporters,
          "Where kept traces, late records and untraced logs go; each exporter gets all of "
          "them through its own queue and retries. `[]`: nothing leaves stitch except through "
          "the store and the query API (untraced logs are then dropped, counted).");
}

void describeExportersSection(Schema<StitchConfig>& s) {
  s.embed(&StitchConfig::exporting);
}

}  // namespace stitch::config
