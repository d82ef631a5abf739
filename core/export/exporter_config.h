#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/config_problem.h"

namespace stitch::exporting {

// What push() does when an exporter's queue is full.
enum class FullPolicy : std::uint8_t {
  kBlock,  // the pusher waits for room: backpressure reaches the shards and ingest
  kDrop,   // the item is dropped and counted (reason "queue_full")
};

// Retries of retryable failures: exponential backoff with jitter.
// The n-th retry waits a random time in [(1 - jitter) * c, c], c = min(max_backoff,
// initial_backoff * 2^(n-1)) ("full jitter" when jitter is 1). A payload is given up (and its
// records counted as dropped, reason "retries_exhausted") once max_attempts sends failed or
// when the next wait would end more than max_elapsed after the first attempt.
struct RetryConfig {
  bool enabled = true;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{30'000};
  std::chrono::milliseconds max_elapsed{300'000};  // 0: no limit
  std::uint32_t max_attempts = 0;                  // 0: no limit
  double jitter = 1.0;                             // 0..1
  ConfigProblems validate() const;
  friend bool operator==(const RetryConfig&, const RetryConfig&) = default;
};

// Settings every exporter has: its queue, its batches and its retries.
struct ExporterCommonConfig {
  static constexpr std::uint32_t kDefaultQueueSize = 4096;
  std::uint32_t queue_size = kDefaultQueueSize;   // items (traces or record batches)
  std::uint64_t queue_max_bytes = 256ULL << 20;   // bytes of queued lines; 0: no limit
  std::uint32_t batch_max_items = 512;            // items per batch
  std::uint64_t batch_max_bytes = 4ULL << 20;     // bytes of lines per batch
  std::chrono::milliseconds flush_interval{200};  // oldest queued item waits at most this
  FullPolicy full_policy = FullPolicy::kBlock;
  RetryConfig retry;
  ConfigProblems validate() const;  // its own keys; `retry` checks itself
  friend bool operator==(const ExporterCommonConfig&, const ExporterCommonConfig&) = default;
};

// NDJSON output: one line per record (the original line, untouched) or one per trace.
enum class NdjsonMode : std::uint8_t { kPerRecord, kPerTrace };

enum class FsyncPolicy : std::uint8_t {
  kNever,     // leave it to the kernel
  kBatch,     // fdatasync after every batch written
  kInterval,  // fdatasync at most every fsync_interval, when something was written
};

struct FileRotationConfig {
  std::uint64_t max_size = 100ULL << 20;  // rotate before the file would exceed it; 0: never
  std::chrono::seconds max_age{0};        // rotate a non-empty file this old; 0: never
  std::uint32_t max_files = 10;           // rotated files kept (path.1 .. path.N)
  ConfigProblems validate() const;
  friend bool operator==(const FileRotationConfig&, const FileRotationConfig&) = default;
};

struct FileExporterConfig {
  std::string path;  // required
  NdjsonMode mode = NdjsonMode::kPerRecord;
  FileRotationConfig rotate;
  FsyncPolicy fsync = FsyncPolicy::kInterval;
  std::chrono::milliseconds fsync_interval{1000};
  ConfigProblems validate() const;  // its own keys; `rotate` checks itself
  friend bool operator==(const FileExporterConfig&, const FileExporterConfig&) = default;
};

struct StdoutExporterConfig {
  NdjsonMode mode = NdjsonMode::kPerRecord;
  friend bool operator==(const StdoutExporterConfig&, const StdoutExporterConfig&) = default;
};

enum class Compression : std::uint8_t { kNone, kGzip };

// Where the log events of spans go in OTLP (see docs/exporters.md).
enum class LogEventMode : std::uint8_t {
  kLogRecords,  // every record that is not a span goes to /v1/logs as a LogRecord
  kSpanEvents,  // log events of a span become Span.events; trace-level and untraced logs,
                // and late log events, go to /v1/logs
  kBoth,        // log events of a span are both Span.events and LogRecords
};

struct OtlpHttpExporterConfig {
  std::string endpoint = "http://localhost:4318";  // http://host[:port][/prefix]
  std::string traces_path = "/v1/traces";          // appended to endpoint; empty: no spans sent
  std::string logs_path = "/v1/logs";              // appended to endpoint; empty: no logs sent
  std::map<std::string, std::string> headers;      // sent with every request
  Compression compression = Compression::kGzip;
  std::chrono::milliseconds timeout{10'000};     // per request: connect, send and response
  std::uint64_t max_request_bytes = 4ULL << 20;  // uncompressed body; bigger batches are split
  LogEventMode log_events = LogEventMode::kLogRecords;
  ConfigProblems validate() const;
  friend bool operator==(const OtlpHttpExporterConfig&, const OtlpHttpExporterConfig&) = default;
};

using ExporterSettings =
    std::variant<FileExporterConfig, StdoutExporterConfig, OtlpHttpExporterConfig>;

// One entry of the `exporters:` list: a tagged union by `type`. Each struct checks its own
// keys in validate() (the config loader runs every one of them, nested ones included);
// validateExporter() runs them all for callers without the loader.
struct ExporterConfig {
  std::string name;  // unique among exporters; empty: derived from the type (exporterNames)
  ExporterCommonConfig common;
  ExporterSettings settings = StdoutExporterConfig{};

  std::string_view type() const noexcept;  // "file", "stdout" or "otlp_http"
  friend bool operator==(const ExporterConfig&, const ExporterConfig&) = default;
};

// Every problem of one exporter: common keys, retry, the type's settings (and rotation), with
// paths relative to the exporter ("retry.jitter", "rotate.max_files").
ConfigProblems validateExporter(const ExporterConfig& exporter);

// The type names, in ExporterSettings order.
inline constexpr std::string_view kExporterTypes[] = {"file", "stdout", "otlp_http"};

// Names used for metrics labels and logs: the configured name, else the type, suffixed with
// the list index when two exporters would share it ("file", "file_2").
std::vector<std::string> exporterNames(const std::vector<ExporterConfig>& exporters);

// Every problem of a whole `exporters:` list, paths prefixed with "[index].", plus duplicate
// names.
ConfigProblems validateExporters(const std::vector<ExporterConfig>& exporters);

// The exporter a default config has: every record stitch keeps or passes through, as its
// original line, appended to stitch-data/records.ndjson (beside the default store).
ExporterConfig defaultFileExporter();

// The `exporters:` section of stitch.yaml: where kept traces, late records and untraced logs
// go. One file exporter by default, so that untraced logs are written somewhere; an empty list
// keeps only what the store keeps.
struct ExportConfig {
  std::vector<ExporterConfig> exporters{defaultFileExporter()};
  // Only what spans entries: two exporters with the same name ("exporters[2].name").
  ConfigProblems validate() const;
  friend bool operator==(const ExportConfig&, const ExportConfig&) = default;
};

// The YAML spellings of the enums, for the config loader and for messages.
std::string_view fullPolicyName(FullPolicy policy) noexcept;  // "block", "drop"
std::optional<FullPolicy> fullPolicyFromName(std::string_view name) noexcept;
std::string_view ndjsonModeName(NdjsonMode mode) noexcept;  // "per_record", "per_trace"
std::optional<NdjsonMode> ndjsonModeFromName(std::string_view name) noexcept;
std::string_view fsyncPolicyName(FsyncPolicy policy) noexcept;  // "never", "batch", "interval"
std::optional<FsyncPolicy> fsyncPolicyFromName(std::string_view name) noexcept;
std::string_view compressionName(Compression compression) noexcept;  // "none", "gzip"
std::optional<Compression> compressionFromName(std::string_view name) noexcept;
// "log_records", "span_events", "both"
std::string_view logEventModeName(LogEventMode mode) noexcept;
std::optional<LogEventMode> logEventModeFromName(std::string_view name) noexcept;

}  // namespace stitch::exporting
