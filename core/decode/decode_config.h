#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/config_problem.h"

namespace stitch::decode {

// Which field-mapping preset reads records. kAuto (the default) decides per record by the keys
// it holds (see core/decode/README.md); the others force one preset for every record.
enum class InputFormat : std::uint8_t { kAuto = 0, kCanonical, kOtel, kEcs, kDatadog, kCustom };
inline constexpr std::size_t kInputFormatCount = 6;
std::string_view inputFormatName(InputFormat format) noexcept;  // "auto", "canonical", ...
std::optional<InputFormat> parseInputFormat(std::string_view name) noexcept;

// What happens to a record whose trace context is missing or invalid, and to a line that
// could not be decoded at all. Every outcome is counted by reason.
enum class InvalidContextPolicy : std::uint8_t {
  kKeep = 0,    // the record continues as an untraced log (undecodable lines are dropped)
  kDrop,        // the record is dropped
  kDeadLetter,  // the raw line goes to the dead-letter file (undecodable lines too)
};
inline constexpr std::size_t kInvalidContextPolicyCount = 3;
std::string_view policyName(InvalidContextPolicy policy) noexcept;  // "keep", "drop", ...
std::optional<InvalidContextPolicy> parsePolicy(std::string_view name) noexcept;

// Where a record field is found, as a dotted path: "ctx.trace" matches the key "trace" inside
// the object under "ctx", and also a flat key "ctx.trace" (or any mix, e.g. {"ctx":{"a.b":1}}
// for "ctx.a.b"). Inside an OTLP attribute list ([{"key":..,"value":{..}}]) a path continues
// with the attribute's key. A path that is set and present in a record overrides whatever the
// preset found for that field; a path that is set but absent leaves the preset's value.
struct CustomFieldPaths {
  std::optional<std::string> trace_id;        // 32 lowercase hex
  std::optional<std::string> span_id;         // 16 lowercase hex
  std::optional<std::string> parent_span_id;  // 16 lowercase hex
  std::optional<std::string> traceparent;     // a W3C traceparent value
  std::optional<std::string> tracestate;      // a W3C tracestate value
  std::optional<std::string> trace_flags;     // number 0..255 or 2 hex digits
  std::optional<std::string> service;
  std::optional<std::string> operation;
  std::optional<std::string> timestamp;   // RFC 3339 or epoch s/ms/us/ns (by magnitude)
  std::optional<std::string> start_time;  // as timestamp
  std::optional<std::string> duration_ms;
  std::optional<std::string> duration_ns;
  std::optional<std::string> status;  // ok/error/unset, or an HTTP status code
  std::optional<std::string> error;   // message string, object with "message", or bool
  std::optional<std::string> level;   // level name or pino/bunyan number
  std::optional<std::string> message;
  std::optional<std::string> attributes;  // an object or an OTLP attribute list

  static constexpr std::size_t kFieldCount = 17;
  // The fields in declaration order, with their config key names (for loops in config/ and in
  // the decoder).
  std::array<const std::optional<std::string>*, kFieldCount> fields() const noexcept;
  static const std::array<std::string_view, kFieldCount>& fieldNames() noexcept;
  bool anySet() const noexcept;
  friend bool operator==(const CustomFieldPaths&, const CustomFieldPaths&) = default;
};

// The `decode:` section of stitch.yaml.
struct DecodeConfig {
  static constexpr std::size_t kDefaultMaxRecordBytes = std::size_t{1} << 20;  // 1 MiB
  static constexpr std::size_t kMaxMaxRecordBytes = std::size_t{256} << 20;    // 256 MiB
  static constexpr std::uint32_t kDefaultMaxDepth = 64;
  static constexpr std::uint32_t kMaxMaxDepth = 1024;  // simdjson's own default limit
  static constexpr std::size_t kMaxPathBytes = 200;    // longest custom field path

  InputFormat format = InputFormat::kAuto;
  // Longest accepted line (without its newline), checked before parsing.
  std::size_t max_record_bytes = kDefaultMaxRecordBytes;
  // Deepest accepted nesting of objects and arrays; the record's own object is depth 1.
  std::uint32_t max_depth = kDefaultMaxDepth;
  InvalidContextPolicy invalid_context = InvalidContextPolicy::kKeep;
  // Required with invalid_context: dead_letter. The daemon writes there; core does no I/O.
  std::string dead_letter_path;
  // Field paths that override the presets (YAML `fields:`); `format: custom` needs one.
  CustomFieldPaths fields;

  // Every problem, not only the first; paths are relative to the decode section
  // ("max_depth", "fields.trace_id").
  ConfigProblems validate() const;
  friend bool operator==(const DecodeConfig&, const DecodeConfig&) = default;
};

}  // namespace stitch::decode
