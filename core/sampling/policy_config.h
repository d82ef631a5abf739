#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/box.h"
#include "core/common/config_problem.h"
#include "core/record/record.h"
#include "core/sampling/adaptive_config.h"

namespace stitch::sampling {

// Tail policies, shaped like the OpenTelemetry Collector's tail_sampling processor so that its
// users can carry their policies over: a list of `{name, type, <type>: {parameters}}`, e.g.
//
//   - {name: slow, type: latency, latency: {threshold_ms: 5000}}
//   - name: no-health
//     type: drop
//     drop: {drop_sub_policy: [{name: route, type: operation_name,
//                               operation_name: {values: ["GET /healthz"]}}]}
//
// Where the Collector has the kind, the type name and parameter names are its own
// (always_sample, latency, status_code, string/numeric/boolean_attribute, span_count,
// trace_state, probabilistic, rate_limiting, and, not, drop, composite); stitch adds
// never_sample, severity, service_name, operation_name, adaptive, and `action`.

// The kinds, in the order of PolicyConfig::rule's alternatives.
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

// What a top-level policy does when it matches. Drop policies are evaluated before keep
// policies, so "never keep /healthz" beats "keep everything" wherever either is listed.
enum class PolicyAction : std::uint8_t { kKeep = 0, kDrop };

// Which duration a latency policy compares.
enum class LatencyScope : std::uint8_t {
  kTrace = 0,  // earliest start to latest end of the trace (the Collector's definition)
  kRoot,       // the root span's duration (no root span: no match)
  kAnySpan,    // the longest span
};

// Which records a name match looks at.
enum class NameScope : std::uint8_t {
  kAny = 0,  // any record of the trace
  kRoot,     // the root span's record (else the earliest span's, else the first record's)
};

// OpenTelemetry SeverityNumber at the start of each range.
enum class SeverityLevel : std::uint8_t {
  kTrace = 1,
  kDebug = 5,
  kInfo = 9,
  kWarn = 13,
  kError = 17,
  kFatal = 21,
};

// ---- parameters, one struct per kind (the mapping under the kind's key) ----

struct LatencyPolicyConfig {
  std::int64_t threshold_ms = 0;        // match when duration >= threshold
  std::int64_t upper_threshold_ms = 0;  // and duration <= upper, when upper > 0
  LatencyScope scope = LatencyScope::kTrace;
  ConfigProblems validate() const;
  friend bool operator==(const LatencyPolicyConfig&, const LatencyPolicyConfig&) = default;
};

struct StatusCodePolicyConfig {
  std::vector<record::Status> status_codes{record::Status::kError};  // any record with one
  ConfigProblems validate() const;
  friend bool operator==(const StatusCodePolicyConfig&, const StatusCodePolicyConfig&) = default;
};

struct SeverityPolicyConfig {
  SeverityLevel min_severity = SeverityLevel::kError;  // any record at or above it
  friend bool operator==(const SeverityPolicyConfig&, const SeverityPolicyConfig&) = default;
};

struct StringAttributePolicyConfig {
  std::string key;
  std::vector<std::string> values;
  bool enabled_regex_matching = false;  // values are ECMAScript regexes, searched (unanchored)
  bool invert_match = false;
  ConfigProblems validate() const;
  friend bool operator==(const StringAttributePolicyConfig&,
                         const StringAttributePolicyConfig&) = default;
};

struct NumericAttributePolicyConfig {
  std::string key;
  std::optional<double> min_value;  // inclusive
  std::optional<double> max_value;  // inclusive
  bool invert_match = false;
  ConfigProblems validate() const;
  friend bool operator==(const NumericAttributePolicyConfig&,
                         const NumericAttributePolicyConfig&) = default;
};

struct BooleanAttributePolicyConfig {
  std::string key;
  bool value = true;
  bool invert_match = false;
  ConfigProblems validate() const;
  friend bool operator==(const BooleanAttributePolicyConfig&,
                         const BooleanAttributePolicyConfig&) = default;
};

// service_name and operation_name.
struct NameMatchPolicyConfig {
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  bool invert_match = false;
  NameScope scope = NameScope::kAny;
  ConfigProblems validate() const;
  friend bool operator==(const NameMatchPolicyConfig&, const NameMatchPolicyConfig&) = default;
};

struct SpanCountPolicyConfig {
  std::uint32_t min_spans = 0;  // inclusive
  std::uint32_t max_spans = 0;  // inclusive; 0 = no upper bound
  ConfigProblems validate() const;
  friend bool operator==(const SpanCountPolicyConfig&, const SpanCountPolicyConfig&) = default;
};

struct TraceStatePolicyConfig {
  std::string key;  // a tracestate list member key, e.g. "vendor" or "tenant@vendor"
  std::vector<std::string> values;
  ConfigProblems validate() const;
  friend bool operator==(const TraceStatePolicyConfig&, const TraceStatePolicyConfig&) = default;
};

struct ProbabilisticPolicyConfig {
  double sampling_percentage = 100.0;  // consistent: R >= threshold(percentage / 100)
  ConfigProblems validate() const;
  friend bool operator==(const ProbabilisticPolicyConfig&,
                         const ProbabilisticPolicyConfig&) = default;
};

// Token buckets refilled continuously. Both limits apply when both are set (0 = no limit).
struct RateLimitingPolicyConfig {
  double traces_per_second = 0.0;
  double spans_per_second = 0.0;
  double burst_seconds = 1.0;  // bucket capacity, in seconds of rate (at least one trace)
  ConfigProblems validate() const;
  friend bool operator==(const RateLimitingPolicyConfig&,
                         const RateLimitingPolicyConfig&) = default;
};

struct PolicyConfig;

struct AndPolicyConfig {
  std::vector<PolicyConfig> and_sub_policy;  // all must match; evaluated in order, stops early
  ConfigProblems validate() const;
  friend bool operator==(const AndPolicyConfig&, const AndPolicyConfig&) = default;
};

struct NotPolicyConfig {
  Box<PolicyConfig> not_sub_policy;
  ConfigProblems validate() const;
  friend bool operator==(const NotPolicyConfig&, const NotPolicyConfig&) = default;
};

struct DropPolicyConfig {
  std::vector<PolicyConfig> drop_sub_policy;  // all must match; the trace is then dropped
  ConfigProblems validate() const;
  friend bool operator==(const DropPolicyConfig&, const DropPolicyConfig&) = default;
};

struct RateAllocationConfig {
  std::string policy;  // name of a composite sub-policy
  double percent = 0;  // of max_total_spans_per_second
  friend bool operator==(const RateAllocationConfig&, const RateAllocationConfig&) = default;
};

// The Collector's composite policy: sub-policies in order, each with a share of a spans per
// second budget counted per one-second window.
struct CompositePolicyConfig {
  double max_total_spans_per_second = 1000;
  std::vector<PolicyConfig> composite_sub_policy;
  std::vector<RateAllocationConfig> rate_allocation;  // sub-policies without one share equally
  ConfigProblems validate() const;
  friend bool operator==(const CompositePolicyConfig&, const CompositePolicyConfig&) = default;
};

// ---- the kinds: each alternative holds its parameters under the kind's own key ----

struct AlwaysSampleRule {
  friend bool operator==(const AlwaysSampleRule&, const AlwaysSampleRule&) = default;
};
struct NeverSampleRule {
  friend bool operator==(const NeverSampleRule&, const NeverSampleRule&) = default;
};
struct LatencyRule {
  LatencyPolicyConfig latency;
  friend bool operator==(const LatencyRule&, const LatencyRule&) = default;
};
struct StatusCodeRule {
  StatusCodePolicyConfig status_code;
  friend bool operator==(const StatusCodeRule&, const StatusCodeRule&) = default;
};
struct SeverityRule {
  SeverityPolicyConfig severity;
  friend bool operator==(const SeverityRule&, const SeverityRule&) = default;
};
struct StringAttributeRule {
  StringAttributePolicyConfig string_attribute;
  friend bool operator==(const StringAttributeRule&, const StringAttributeRule&) = default;
};
struct NumericAttributeRule {
  NumericAttributePolicyConfig numeric_attribute;
  friend bool operator==(const NumericAttributeRule&, const NumericAttributeRule&) = default;
};
struct BooleanAttributeRule {
  BooleanAttributePolicyConfig boolean_attribute;
  friend bool operator==(const BooleanAttributeRule&, const BooleanAttributeRule&) = default;
};
struct ServiceNameRule {
  NameMatchPolicyConfig service_name;
  friend bool operator==(const ServiceNameRule&, const ServiceNameRule&) = default;
};
struct OperationNameRule {
  NameMatchPolicyConfig operation_name;
  friend bool operator==(const OperationNameRule&, const OperationNameRule&) = default;
};
struct SpanCountRule {
  SpanCountPolicyConfig span_count;
  friend bool operator==(const SpanCountRule&, const SpanCountRule&) = default;
};
struct TraceStateRule {
  TraceStatePolicyConfig trace_state;
  friend bool operator==(const TraceStateRule&, const TraceStateRule&) = default;
};
struct ProbabilisticRule {
  ProbabilisticPolicyConfig probabilistic;
  friend bool operator==(const ProbabilisticRule&, const ProbabilisticRule&) = default;
};
struct RateLimitingRule {
  RateLimitingPolicyConfig rate_limiting;
  friend bool operator==(const RateLimitingRule&, const RateLimitingRule&) = default;
};
struct AdaptiveRule {
  AdaptiveConfig adaptive;
  friend bool operator==(const AdaptiveRule&, const AdaptiveRule&) = default;
};
struct AndRule {
  AndPolicyConfig and_policy;  // YAML `and:`
  friend bool operator==(const AndRule&, const AndRule&) = default;
};
struct NotRule {
  NotPolicyConfig not_policy;  // YAML `not:`
  friend bool operator==(const NotRule&, const NotRule&) = default;
};
struct DropRule {
  DropPolicyConfig drop_policy;  // YAML `drop:`
  friend bool operator==(const DropRule&, const DropRule&) = default;
};
struct CompositeRule {
  CompositePolicyConfig composite;
  friend bool operator==(const CompositeRule&, const CompositeRule&) = default;
};

// In PolicyType order (rule.index() is the PolicyType); the first is the default.
using PolicyRule = std::variant<AlwaysSampleRule,
                                NeverSampleRule,
                                LatencyRule,
                                StatusCodeRule,
                                SeverityRule,
                                StringAttributeRule,
                                NumericAttributeRule,
                                BooleanAttributeRule,
                                ServiceNameRule,
                                OperationNameRule,
                                SpanCountRule,
                                TraceStateRule,
                                ProbabilisticRule,
                                RateLimitingRule,
                                AdaptiveRule,
                                AndRule,
                                NotRule,
                                DropRule,
                                CompositeRule>;
static_assert(std::variant_size_v<PolicyRule> == kPolicyTypeCount);

// One policy of `sampling.tail.policies`.
struct PolicyConfig {
  std::string name;                           // recorded with every decision it makes
  PolicyAction action = PolicyAction::kKeep;  // top-level policies only
  PolicyRule rule;                            // YAML: `type` and the type's key

  PolicyType type() const noexcept { return static_cast<PolicyType>(rule.index()); }
  // This policy alone (its sub-policies check themselves); paths relative to the policy.
  ConfigProblems validate() const;
  friend bool operator==(const PolicyConfig&, const PolicyConfig&) = default;
};

// A policy of the given kind with default parameters, e.g.
//   PolicyConfig slow = makePolicy("slow", LatencyRule{{.threshold_ms = 1000}});
PolicyConfig makePolicy(std::string name,
                        PolicyRule rule,
                        PolicyAction action = PolicyAction::kKeep);

// The default policy set: keep errors (status or severity >= ERROR) and slow traces (>= 1 s),
// then keep up to 10 traces per second per service and root operation (adaptive, starting at
// probability 1), so that a new user sees every trace they send at low volume.
std::vector<PolicyConfig> defaultPolicies();

// `sampling.tail` in stitch.yaml.
struct TailSamplingConfig {
  // Off: no trace is held; head sampling alone decides, and the records of the traces it keeps
  // go on as they arrive ("streamed"), like a plain log pipeline. The keys below are then unused.
  bool enabled = true;
  // A trace is decided this long after its last record arrived...
  std::chrono::milliseconds decision_wait{10'000};
  // ...or this long after its root span (a span record without a parent) arrived, if sooner.
  std::chrono::milliseconds root_grace{2'000};
  std::vector<PolicyConfig> policies = defaultPolicies();

  // Its own keys and the list's (names unique, not empty); each policy checks itself.
  ConfigProblems validate() const;
  friend bool operator==(const TailSamplingConfig&, const TailSamplingConfig&) = default;
};

// Every problem of a tail config, walking into every policy and sub-policy (what the config
// loader does through the schemas), with paths like "policies[2].and.and_sub_policy[0].name".
// For callers that build the config in code.
ConfigProblems checkTailSampling(const TailSamplingConfig& config);

}  // namespace stitch::sampling
