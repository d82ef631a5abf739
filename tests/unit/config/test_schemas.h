#pragma once

// Test-only config structs for the schema tests: one with every kind of field, and a pipeline
// whose tail-sampling policies are a recursive tagged union (and/not nest policies) next to a
// list of typed exporters, shaped like stitch.yaml's.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/schema.h"
#include "core/common/box.h"
#include "core/common/config_problem.h"

namespace schema_test {

using namespace std::chrono_literals;
using stitch::Box;
using stitch::ConfigProblems;
using stitch::config::EnumSchema;
using stitch::config::Schema;

enum class Color { kRed, kGreen, kBlue };

struct Limits {
  std::uint32_t queue_size = 4096;
  std::int32_t offset = -5;
  double ratio = 0.5;
  std::uint64_t max_bytes = 64 * 1024;
  std::chrono::milliseconds flush_interval{200};
  std::chrono::seconds retention{3600};
  std::uint32_t low_watermark = 10;
  std::uint32_t high_watermark = 100;

  ConfigProblems validate() const {
    if (low_watermark > high_watermark) {
      return {{"low_watermark", "must not be above high_watermark"}};
    }
    return {};
  }
  friend bool operator==(const Limits&, const Limits&) = default;
};

struct Everything {
  bool enabled = true;
  std::string name = "stitch";
  std::string path;  // required
  Color color = Color::kGreen;
  Limits limits;
  std::vector<std::string> tags;
  std::vector<std::uint16_t> ports{7410};
  std::vector<Color> palette{Color::kRed};
  std::map<std::string, std::string> headers;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::string> label{"x"};
  std::optional<std::uint64_t> cap;
  float weight = 1.5F;

  friend bool operator==(const Everything&, const Everything&) = default;
};

inline void describe(EnumSchema<Color>& e) {
  e.value("red", Color::kRed).value("green", Color::kGreen).value("blue", Color::kBlue);
}

inline void describe(Schema<Limits>& s) {
  s.field("queue_size", &Limits::queue_size, "Items a queue holds.").min(1).max(1'000'000);
  s.field("offset", &Limits::offset, "A signed number.").min(-100).max(100);
  s.field("ratio", &Limits::ratio, "A fraction.").min(0.0).max(1.0);
  s.size("max_bytes", &Limits::max_bytes, "Largest item.").min(1).max(1ULL << 30);
  s.field("flush_interval", &Limits::flush_interval, "How often to flush.").min(1ms);
  s.field("retention", &Limits::retention, "How long to keep.");
  s.field("low_watermark", &Limits::low_watermark, "Lower mark.");
  s.field("high_watermark", &Limits::high_watermark, "Upper mark.");
}

inline void describe(Schema<Everything>& s) {
  s.field("enabled", &Everything::enabled, "On or off.");
  s.field("name", &Everything::name, "A name.").nonEmpty();
  s.field("path", &Everything::path, "Where.").required();
  s.field("color", &Everything::color, "A color.");
  s.field("limits", &Everything::limits, "Nested limits.");
  s.field("tags", &Everything::tags, "Free tags.");
  s.field("ports", &Everything::ports, "Ports.").min(1).nonEmpty();
  s.field("palette", &Everything::palette, "Colors.");
  s.field("headers", &Everything::headers, "HTTP headers.");
  s.field("timeout", &Everything::timeout, "Optional timeout.").min(1ms);
  s.field("label", &Everything::label, "Optional label.");
  s.size("cap", &Everything::cap, "Optional cap.");
  s.field("weight", &Everything::weight, "A float.");
}

// ---- the shape of tail-sampling policies and exporters ----

enum class StatusCode { kOk, kError, kUnset };

struct PolicyConfig;

struct StatusCodeRule {
  std::vector<StatusCode> status_codes;
  friend bool operator==(const StatusCodeRule&, const StatusCodeRule&) = default;
};
struct LatencyRule {
  std::chrono::milliseconds threshold{1000};
  std::chrono::milliseconds upper{0};  // 0: none
  ConfigProblems validate() const {
    if (upper.count() != 0 && upper < threshold) {
      return {{"upper", "must not be below threshold"}};
    }
    return {};
  }
  friend bool operator==(const LatencyRule&, const LatencyRule&) = default;
};
struct ServiceRule {
  std::vector<std::string> services;
  friend bool operator==(const ServiceRule&, const ServiceRule&) = default;
};
struct OperationRule {
  std::vector<std::string> operations;
  friend bool operator==(const OperationRule&, const OperationRule&) = default;
};
struct AndRule {
  std::vector<PolicyConfig> policies;
  friend bool operator==(const AndRule&, const AndRule&) = default;
};
struct NotRule {
  Box<PolicyConfig> policy;
  friend bool operator==(const NotRule&, const NotRule&) = default;
};
struct PolicyConfig {
  std::string name;
  std::variant<StatusCodeRule, LatencyRule, ServiceRule, OperationRule, AndRule, NotRule> rule;
  friend bool operator==(const PolicyConfig&, const PolicyConfig&) = default;
};
struct TailConfig {
  std::chrono::milliseconds decision_wait{5000};
  std::vector<PolicyConfig> policies;
  friend bool operator==(const TailConfig&, const TailConfig&) = default;
};
struct SamplingConfig {
  TailConfig tail;
  friend bool operator==(const SamplingConfig&, const SamplingConfig&) = default;
};
struct FileExporter {
  std::string path;
  std::uint64_t max_file_bytes = 256ULL << 20;
  friend bool operator==(const FileExporter&, const FileExporter&) = default;
};
struct OtlpHttpExporter {
  std::string endpoint = "http://127.0.0.1:4318";
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout{10000};
  friend bool operator==(const OtlpHttpExporter&, const OtlpHttpExporter&) = default;
};
struct ExporterConfig {
  std::variant<FileExporter, OtlpHttpExporter> kind;
  std::uint32_t queue_size = 1024;
  friend bool operator==(const ExporterConfig&, const ExporterConfig&) = default;
};
struct PipelineConfig {
  SamplingConfig sampling;
  std::vector<ExporterConfig> exporters;
  friend bool operator==(const PipelineConfig&, const PipelineConfig&) = default;
};

inline void describe(EnumSchema<StatusCode>& e) {
  e.value("ok", StatusCode::kOk)
      .value("error", StatusCode::kError)
      .value("unset", StatusCode::kUnset);
}
inline void describe(Schema<StatusCodeRule>& s) {
  s.field("status_codes", &StatusCodeRule::status_codes, "Span statuses that keep a trace.")
      .nonEmpty();
}
inline void describe(Schema<LatencyRule>& s) {
  s.field("threshold", &LatencyRule::threshold, "Keeps traces at least this long.").min(1ms);
  s.field("upper", &LatencyRule::upper, "Ignores traces longer than this; 0s: no bound.");
}
inline void describe(Schema<ServiceRule>& s) {
  s.field("services", &ServiceRule::services, "Service names.").nonEmpty();
}
inline void describe(Schema<OperationRule>& s) {
  s.field("operations", &OperationRule::operations, "Operation names.").nonEmpty();
}
inline void describe(Schema<AndRule>& s) {
  s.field("policies", &AndRule::policies, "Policies that must all keep the trace.").nonEmpty();
}
inline void describe(Schema<NotRule>& s) {
  s.field("policy", &NotRule::policy, "The policy whose decision is inverted.").required();
}
inline void describe(Schema<PolicyConfig>& s) {
  s.field("name", &PolicyConfig::name, "Names the policy in metrics.").required();
  s.oneOf("type", &PolicyConfig::rule, "What the policy looks at.")
      .alternative<StatusCodeRule>("status_code", "Keeps traces with a span status listed.")
      .alternative<LatencyRule>("latency", "Keeps slow traces.")
      .alternative<ServiceRule>("service", "Keeps traces touching a service.")
      .alternative<OperationRule>("operation", "Keeps traces with an operation.")
      .alternative<AndRule>("and", "Keeps traces every nested policy keeps.")
      .alternative<NotRule>("not", "Keeps traces the nested policy drops.");
}
inline void describe(Schema<TailConfig>& s) {
  s.field("decision_wait", &TailConfig::decision_wait, "Wait before deciding.").min(1ms);
  s.field("policies", &TailConfig::policies, "Policies, in order.");
}
inline void describe(Schema<SamplingConfig>& s) {
  s.field("tail", &SamplingConfig::tail, "Tail sampling.");
}
inline void describe(Schema<FileExporter>& s) {
  s.field("path", &FileExporter::path, "File written.").required().nonEmpty();
  s.size("max_file_bytes", &FileExporter::max_file_bytes, "Rotation size.").min(1);
}
inline void describe(Schema<OtlpHttpExporter>& s) {
  s.field("endpoint", &OtlpHttpExporter::endpoint, "Collector URL.");
  s.field("headers", &OtlpHttpExporter::headers, "Extra HTTP headers.");
  s.field("timeout", &OtlpHttpExporter::timeout, "Request timeout.").min(1ms);
}
inline void describe(Schema<ExporterConfig>& s) {
  s.oneOf("type", &ExporterConfig::kind, "Which exporter.")
      .alternative<FileExporter>("file", "NDJSON file.")
      .alternative<OtlpHttpExporter>("otlp_http", "OTLP/HTTP JSON.");
  s.field("queue_size", &ExporterConfig::queue_size, "Traces queued.").min(1);
}
inline void describe(Schema<PipelineConfig>& s) {
  s.field("sampling", &PipelineConfig::sampling, "Sampling.");
  s.field("exporters", &PipelineConfig::exporters, "Exporters.");
}

}  // namespace schema_test
