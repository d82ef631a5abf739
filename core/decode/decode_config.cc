#include "core/decode/decode_config.h"

#include <string>

namespace stitch::decode {
namespace {

constexpr std::array<std::string_view, kInputFormatCount> kFormatNames = {
    "auto", "canonical", "otel", "ecs", "datadog", "custom"};
constexpr std::array<std::string_view, kInvalidContextPolicyCount> kPolicyNames = {"keep", "drop",
                                                                                   "dead_letter"};

std::string quotedList(const auto& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out += i + 1 == names.size() ? " or " : ", ";
    }
    out += names[i];
  }
  return out;
}

// Why a dotted field path is unusable, or empty when it is fine.
std::string pathProblem(const std::string& path) {
  if (path.empty()) {
    return "must not be empty (remove the key to use the preset's field)";
  }
  if (path.size() > DecodeConfig::kMaxPathBytes) {
    return "is longer than " + std::to_string(DecodeConfig::kMaxPathBytes) + " bytes";
  }
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos) {
    return "'" + path + "' has an empty segment (a leading, trailing or doubled '.')";
  }
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return "must not contain control characters";
    }
  }
  return {};
}

}  // namespace

std::string_view inputFormatName(InputFormat format) noexcept {
  const auto index = static_cast<std::size_t>(format);
  return index < kFormatNames.size() ? kFormatNames[index] : "unknown";
}

std::optional<InputFormat> parseInputFormat(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kFormatNames.size(); ++i) {
    if (kFormatNames[i] == name) {
      return static_cast<InputFormat>(i);
    }
  }
  return std::nullopt;
}

std::string_view policyName(InvalidContextPolicy policy) noexcept {
  const auto index = static_cast<std::size_t>(policy);
  return index < kPolicyNames.size() ? kPolicyNames[index] : "unknown";
}

std::optional<InvalidContextPolicy> parsePolicy(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kPolicyNames.size(); ++i) {
    if (kPolicyNames[i] == name) {
      return static_cast<InvalidContextPolicy>(i);
    }
  }
  return std::nullopt;
}

std::array<const std::optional<std::string>*, CustomFieldPaths::kFieldCount>
CustomFieldPaths::fields() const noexcept {
  return {&trace_id, &span_id,   &parent_span_id, &traceparent, &tracestate,  &trace_flags,
          &service,  &operation, &timestamp,      &start_time,  &duration_ms, &duration_ns,
          &status,   &error,     &level,          &message,     &attributes};
}

const std::array<std::string_view, CustomFieldPaths::kFieldCount>&
CustomFieldPaths::fieldNames() noexcept {
  static constexpr std::array<std::string_view, kFieldCount> kNames = {
      "trace_id", "span_id",   "parent_span_id", "traceparent", "tracestate",  "trace_flags",
      "service",  "operation", "timestamp",      "start_time",  "duration_ms", "duration_ns",
      "status",   "error",     "level",          "message",     "attributes"};
  return kNames;
}

bool CustomFieldPaths::anySet() const noexcept {
  for (const auto* field : fields()) {
    if (field->has_value()) {
      return true;
    }
  }
  return false;
}

ConfigProblems DecodeConfig::validate() const {
  ConfigProblems problems;
  if (static_cast<std::size_t>(format) >= kInputFormatCount) {
    problems.push_back({"format", "must be one of " + quotedList(kFormatNames)});
  }
  if (max_record_bytes < 2 || max_record_bytes > kMaxMaxRecordBytes) {
    problems.push_back({"max_record_bytes", "must be between 2 (the smallest object, \"{}\") and " +
                                                std::to_string(kMaxMaxRecordBytes) + " (256 MiB)"});
  }
  if (max_depth < 1 || max_depth > kMaxMaxDepth) {
    problems.push_back({"max_depth", "must be between 1 and " + std::to_string(kMaxMaxDepth)});
  }
  if (static_cast<std::size_t>(invalid_context) >= kInvalidContextPolicyCount) {
    problems.push_back({"invalid_context", "must be one of " + quotedList(kPolicyNames)});
  }
  if (invalid_context == InvalidContextPolicy::kDeadLetter && dead_letter_path.empty()) {
    problems.push_back({"dead_letter_path", "is required when invalid_context is dead_letter"});
  }
  if (invalid_context != InvalidContextPolicy::kDeadLetter && !dead_letter_path.empty()) {
    problems.push_back(
        {"dead_letter_path", "is set but invalid_context is " +
                                 std::string(policyName(invalid_context)) +
                                 ", so nothing would be written there; set invalid_context: "
                                 "dead_letter or remove dead_letter_path"});
  }
  const auto paths = fields.fields();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i]->has_value()) {
      std::string problem = pathProblem(**paths[i]);
      if (!problem.empty()) {
        problems.push_back(
            {"fields." + std::string(CustomFieldPaths::fieldNames()[i]), std::move(problem)});
      }
    }
  }
  if (format == InputFormat::kCustom && !fields.anySet()) {
    problems.push_back({"fields",
                        "format is custom but no field path is set; set at least one under "
                        "fields (e.g. fields.trace_id: ctx.trace) or choose another format"});
  }
  return problems;
}

}  // namespace stitch::decode
