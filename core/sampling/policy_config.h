#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/config_problem.h"
#include "core/record/record.h"
#include "core/sampling/adaptive_config.h"

namespace stitch::sampling {

// Tail policy kinds. The names (policyTypeName) are the YAML `type` values; where the
// OpenTelemetry Collector's tail_sampling processor has the same kind, the name and the
// parameters are its own, so that its users can carry their policies over.
enum class PolicyType : std::uint8_t {
  kAlwaysSample = 0,
  kNeverSample,
  kLatency,
  kStatusCode,
  kSeverity,
  kStringAttribute,
  kNumericAttribute,
  kBooleanAttribute,
  kServiceName,
  kOperationName,
  kSpanCount,
  kTraceState,
  kProbabilistic,
  kRateLimiting,
  kAdaptive,
  kAnd,
  kNot,
  kDrop,
  kComposite,
};
inline constexpr std::size_t kPolicyTypeCount = 19;
std::string_view policyTypeName(PolicyType type) noexcept;  // "always_sample", "latency", ...
std::optional<PolicyType> parsePolicyType(std::string_view name) noexcept;

// What a top-level policy does when it matches. Drop policies are evaluated before keep
// policies, so "never keep /healthz" beats "keep everything".
enum class PolicyAction : std::uint8_t { kKeep = 0, kDrop };
std::string_view policyActionName(PolicyAction action) noexcept;  // "keep", "drop"

// Which duration a latency policy compares.
enum class LatencyScope : std::uint8_t {
  kTrace = 0,  // earliest start to latest end of the trace (the Collector's definition)
  kRoot,       // the root span's duration (no root span: no match)
  kAnySpan,    // the longest span
};
std::string_view latencyScopeName(LatencyScope scope) noexcept;  // "trace", "root", "any_span"

// Which records a name match looks at.
enum class NameScope : std::uint8_t {
  kAny = 0,  // any record of the trace
  kRoot,     // the root span's record (else the trace's first record)
};
std::string_view nameScopeName(NameScope scope) noexcept;  // "any", "root"

struct LatencyPolicyConfig {
  std::int64_t threshold_ms = 0;        // match when duration >= threshold
  std::int64_t upper_threshold_ms = 0;  // and duration <= upper, when upper > 0
  LatencyScope scope = LatencyScope::kTrace;
};

struct StatusCodePolicyConfig {
  std::vector<record::Status> status_codes{record::Status::kError};  // any record with one
};

struct SeverityPolicyConfig {
  // OpenTelemetry SeverityNumber (1..24): any record at or above it. 17 = ERROR.
  std::uint8_t min_severity_number = 17;
};

struct StringAttributePolicyConfig {
  std::string key;
  std::vector<std::string> values;
  bool enabled_regex_matching = false;  // values are ECMAScript regexes, searched (unanchored)
  bool invert_match = false;
};

struct NumericAttributePolicyConfig {
  std::string key;
  std::optional<double> min_value;  // inclusive
  std::optional<double> max_value;  // inclusive
  bool invert_match = false;
};

struct BooleanAttributePolicyConfig {
  std::string key;
  bool value = true;
  bool invert_match = false;
};

// service_name and operation_name policies.
struct NameMatchPolicyConfig {
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  bool invert_match = false;
  NameScope scope = NameScope::kAny;
};

struct SpanCountPolicyConfig {
  std::uint32_t min_spans = 0;  // inclusive
  std::uint32_t max_spans = 0;  // inclusive; 0 = no upper bound
};

struct TraceStatePolicyConfig {
  std::string key;  // a tracestate list member key, e.g. "vendor" or "tenant@vendor"
  std::vector<std::string> values;
};

struct ProbabilisticPolicyConfig {
  double sampling_percentage = 100.0;  // consistent: R >= threshold(percentage / 100)
};

// Token buckets refilled continuously. Both limits apply when both are set (0 = no limit).
struct RateLimitingPolicyConfig {
  double traces_per_second = 0.0;
  double spans_per_second = 0.0;
  double burst_seconds = 1.0;  // bucket capacity, in seconds of rate (at least one trace)
};

struct PolicyConfig;

struct RateAllocationConfig {
  std::string policy;  // name of a composite sub-policy
  double percent = 0;  // of max_total_spans_per_second
};

struct AndPolicyConfig {
  std::vector<PolicyConfig> and_sub_policy;  // all must match; evaluated in order, stops early
};

struct NotPolicyConfig {
  std::vector<PolicyConfig> not_sub_policy;  // exactly one
};

struct DropPolicyConfig {
  std::vector<PolicyConfig> drop_sub_policy;  // all must match; the trace is then dropped
};

// The Collector's composite policy: sub-policies in order, each with a share of a spans per
// second budget counted per one-second window.
struct CompositePolicyConfig {
  double max_total_spans_per_second = 0;
  std::vector<PolicyConfig> composite_sub_policy;
  std::vector<RateAllocationConfig> rate_allocation;  // sub-policies without one share equally
};

// One policy of `sampling.tail.policies`: `{name, type, action, <type>: {...}}`. Only the
// parameters of `type` are read; the others keep their defaults.
struct PolicyConfig {
  std::string name;
  PolicyType type = PolicyType::kAlwaysSample;
  PolicyAction action = PolicyAction::kKeep;  // top-level policies only

  LatencyPolicyConfig latency;
  StatusCodePolicyConfig status_code;
  SeverityPolicyConfig severity;
  StringAttributePolicyConfig string_attribute;
  NumericAttributePolicyConfig numeric_attribute;
  BooleanAttributePolicyConfig boolean_attribute;
  NameMatchPolicyConfig service_name;
  NameMatchPolicyConfig operation_name;
  SpanCountPolicyConfig span_count;
  TraceStatePolicyConfig trace_state;
  ProbabilisticPolicyConfig probabilistic;
  RateLimitingPolicyConfig rate_limiting;
  AdaptiveConfig adaptive;
  AndPolicyConfig and_policy;       // YAML `and:`
  NotPolicyConfig not_policy;       // YAML `not:`
  DropPolicyConfig drop_policy;     // YAML `drop:`
  CompositePolicyConfig composite;  // YAML `composite:`

  // Every problem of this policy and its sub-policies; paths relative to the policy.
  ConfigProblems validate() const;
};

// The default policy set: keep errors (status or severity >= ERROR) and slow traces (>= 1 s),
// then keep up to 10 traces per second per service and root operation (adaptive, starting at
// probability 1), so that a new user sees every trace they send at low volume.
std::vector<PolicyConfig> defaultPolicies();

// `sampling.tail` in stitch.yaml.
struct TailSamplingConfig {
  // A trace is decided this long after its last record arrived...
  std::chrono::milliseconds decision_wait{10'000};
  // ...or this long after its root span (a span record without a parent) arrived, if sooner.
  std::chrono::milliseconds root_grace{2'000};
  std::vector<PolicyConfig> policies = defaultPolicies();

  ConfigProblems validate() const;
};

// "ERROR" -> 17 etc. (OpenTelemetry's SeverityNumber ranges: TRACE 1, DEBUG 5, INFO 9,
// WARN 13, ERROR 17, FATAL 21; "WARNING", "CRITICAL" and digits suffixes like "ERROR2" too),
// case-insensitive; "1".."24" as numbers. For the config mapping of `min_severity`.
std::optional<std::uint8_t> parseSeverity(std::string_view text) noexcept;
// "ERROR", "OK", "UNSET" (case-insensitive), for `status_codes`.
std::optional<record::Status> parseStatusCode(std::string_view text) noexcept;

}  // namespace stitch::sampling
