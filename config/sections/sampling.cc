// `sampling:`: head sampling per record, tail policies per trace, adaptive rates, the
// decision cache, and what happens to logs without a trace or of a dropped trace.
// Tail policies follow the OpenTelemetry Collector's tail_sampling processor: a list of
// `{name, type, <type>: {...}}`.
#include <chrono>

#include "config/sections/sections.h"
#include "core/sampling/sampling_config.h"

namespace stitch::config {

using namespace sampling;
using namespace std::chrono_literals;

void describe(EnumSchema<record::Status>& e) {
  e.value("ERROR", record::Status::kError)
      .value("OK", record::Status::kOk)
      .value("UNSET", record::Status::kUnset);
}

void describe(EnumSchema<PolicyAction>& e) {
  e.value("keep", PolicyAction::kKeep).value("drop", PolicyAction::kDrop);
}

void describe(EnumSchema<LatencyScope>& e) {
  e.value("trace", LatencyScope::kTrace)
      .value("root", LatencyScope::kRoot)
      .value("any_span", LatencyScope::kAnySpan);
}

void describe(EnumSchema<NameScope>& e) {
  e.value("any", NameScope::kAny).value("root", NameScope::kRoot);
}

void describe(EnumSchema<SeverityLevel>& e) {
  e.value("TRACE", SeverityLevel::kTrace)
      .value("DEBUG", SeverityLevel::kDebug)
      .value("INFO", SeverityLevel::kInfo)
      .value("WARN", SeverityLevel::kWarn)
      .value("ERROR", SeverityLevel::kError)
      .value("FATAL", SeverityLevel::kFatal);
}

void describe(EnumSchema<AdaptiveKey>& e) {
  e.value("service_and_operation", AdaptiveKey::kServiceAndOperation)
      .value("service", AdaptiveKey::kService);
}

void describe(EnumSchema<UntracedLogAction>& e) {
  e.value("pass_through", UntracedLogAction::kPassThrough).value("drop", UntracedLogAction::kDrop);
}

void describe(EnumSchema<DroppedTraceLogAction>& e) {
  e.value("drop", DroppedTraceLogAction::kDrop)
      .value("pass_through", DroppedTraceLogAction::kPassThrough);
}

void describe(Schema<HeadSamplingConfig>& s) {
  s.field("respect_sampled_flag", &HeadSamplingConfig::respect_sampled_flag,
          "Drop records whose trace-flags say \"not sampled\". Records that carried no "
          "trace-flags are kept.");
  s.field("respect_tracestate_threshold", &HeadSamplingConfig::respect_tracestate_threshold,
          "A record whose tracestate carries OpenTelemetry's `ot=th` was sampled upstream at that "
          "threshold: keep it only if its randomness passes that threshold too.");
  s.field("probability", &HeadSamplingConfig::probability,
          "Consistent probability of keeping a trace, decided per record from the trace id's "
          "randomness (or `ot=rv`), so every replica keeps the same traces; 1 keeps all.")
      .min(kMinProbability)
      .max(1.0);
  s.field("threshold_precision", &HeadSamplingConfig::threshold_precision,
          "Significant hex digits of the rejection threshold derived from `probability` "
          "(OpenTelemetry recommends 4); 0 keeps full precision.")
      .min(0)
      .max(kThresholdHexDigits);
}

void describe(Schema<LatencyPolicyConfig>& s) {
  s.field("threshold_ms", &LatencyPolicyConfig::threshold_ms,
          "Keep traces at least this long, in milliseconds.")
      .min(std::int64_t{0});
  s.field("upper_threshold_ms", &LatencyPolicyConfig::upper_threshold_ms,
          "And at most this long; 0: no upper bound.")
      .min(std::int64_t{0});
  s.field("scope", &LatencyPolicyConfig::scope,
          "`trace`: earliest start to latest end; `root`: the root span's duration; `any_span`: "
          "the longest span.");
}

void describe(Schema<StatusCodePolicyConfig>& s) {
  s.field("status_codes", &StatusCodePolicyConfig::status_codes,
          "Keep traces with a record of one of these span statuses.")
      .nonEmpty();
}

void describe(Schema<SeverityPolicyConfig>& s) {
  s.field("min_severity", &SeverityPolicyConfig::min_severity,
          "Keep traces with a record at least this severe.");
}

void describe(Schema<StringAttributePolicyConfig>& s) {
  s.field("key", &StringAttributePolicyConfig::key,
          "Attribute (of a record, then of its resource) to compare.")
      .nonEmpty();
  s.field("values", &StringAttributePolicyConfig::values,
          "Keep traces with a record whose attribute equals one of these.")
      .nonEmpty();
  s.field("enabled_regex_matching", &StringAttributePolicyConfig::enabled_regex_matching,
          "Values are regular expressions (ECMAScript), matched anywhere in the attribute.");
  s.field("invert_match", &StringAttributePolicyConfig::invert_match,
          "Match traces where no record matches instead.");
}

void describe(Schema<NumericAttributePolicyConfig>& s) {
  s.field("key", &NumericAttributePolicyConfig::key, "Numeric attribute to compare.").nonEmpty();
  s.field("min_value", &NumericAttributePolicyConfig::min_value,
          "Smallest value that matches; null: no lower bound.");
  s.field("max_value", &NumericAttributePolicyConfig::max_value,
          "Largest value that matches; null: no upper bound.");
  s.field("invert_match", &NumericAttributePolicyConfig::invert_match,
          "Match traces where no record matches instead.");
}

void describe(Schema<BooleanAttributePolicyConfig>& s) {
  s.field("key", &BooleanAttributePolicyConfig::key, "Boolean attribute to compare.").nonEmpty();
  s.field("value", &BooleanAttributePolicyConfig::value, "The value that matches.");
  s.field("invert_match", &BooleanAttributePolicyConfig::invert_match,
          "Match traces where no record matches instead.");
}

void describe(Schema<NameMatchPolicyConfig>& s) {
  s.field("values", &NameMatchPolicyConfig::values, "Names that match.").nonEmpty();
  s.field("enabled_regex_matching", &NameMatchPolicyConfig::enabled_regex_matching,
          "Values are regular expressions (ECMAScript), matched anywhere in the name.");
  s.field("invert_match", &NameMatchPolicyConfig::invert_match,
          "Match traces where the name does not match instead.");
  s.field("scope", &NameMatchPolicyConfig::scope,
          "`any`: any record of the trace; `root`: the root span's record.");
}

void describe(Schema<SpanCountPolicyConfig>& s) {
  s.field("min_spans", &SpanCountPolicyConfig::min_spans,
          "Keep traces with at least this many spans (distinct span ids).");
  s.field("max_spans", &SpanCountPolicyConfig::max_spans,
          "And at most this many; 0: no upper bound.");
}

void describe(Schema<TraceStatePolicyConfig>& s) {
  s.field("key", &TraceStatePolicyConfig::key, "W3C tracestate member key.").nonEmpty();
  s.field("values", &TraceStatePolicyConfig::values,
          "Keep traces with a record whose tracestate member has one of these values.")
      .nonEmpty();
}

void describe(Schema<ProbabilisticPolicyConfig>& s) {
  s.field("sampling_percentage", &ProbabilisticPolicyConfig::sampling_percentage,
          "Percentage of traces kept, consistently (randomness R of the trace id or `ot=rv` "
          "against a threshold): replicas with the same percentage keep the same traces.")
      .min(0.0)
      .max(100.0);
}

void describe(Schema<RateLimitingPolicyConfig>& s) {
  s.field("traces_per_second", &RateLimitingPolicyConfig::traces_per_second,
          "Keep at most this many traces per second (whole daemon); 0: no trace limit.")
      .min(0.0);
  s.field("spans_per_second", &RateLimitingPolicyConfig::spans_per_second,
          "Keep at most this many spans per second (whole daemon); 0: no span limit.")
      .min(0.0);
  s.field("burst_seconds", &RateLimitingPolicyConfig::burst_seconds,
          "How many seconds of the rate may be used at once after a quiet period.");
}

void describe(Schema<AdaptiveConfig>& s) {
  s.field("target_traces_per_second", &AdaptiveConfig::target_traces_per_second,
          "Traces per second to keep for each key (whole daemon).");
  s.field("calculation_interval", &AdaptiveConfig::calculation_interval,
          "How often probabilities are recalculated from the observed rates.")
      .min(100ms);
  s.field("calculation_buckets", &AdaptiveConfig::calculation_buckets,
          "How many recent intervals are averaged, the newest weighted most.")
      .min(1)
      .max(64);
  s.field("delta_tolerance", &AdaptiveConfig::delta_tolerance,
          "A kept rate within this fraction of the target leaves the probability unchanged.");
  s.field("initial_probability", &AdaptiveConfig::initial_probability,
          "Probability of a key seen for the first time.");
  s.field("min_probability", &AdaptiveConfig::min_probability,
          "Smallest probability adaptive sampling goes down to.");
  s.field("max_probability", &AdaptiveConfig::max_probability,
          "Largest probability adaptive sampling goes up to.");
  s.field("max_increase", &AdaptiveConfig::max_increase,
          "Largest increase per interval, as a fraction (0.5: +50%); decreases apply at once.");
  s.field("min_traces_per_second", &AdaptiveConfig::min_traces_per_second,
          "Keep at least this many traces per second of every key, whatever its probability; 0 "
          "disables it.");
  s.field("key_by", &AdaptiveConfig::key_by,
          "What a target applies to: each root service and root operation, or each root "
          "service.");
  s.field("max_keys", &AdaptiveConfig::max_keys,
          "Most keys tracked; traces of further keys share the key \"(other)\".")
      .min(1);
}

void describe(Schema<RateAllocationConfig>& s) {
  s.field("policy", &RateAllocationConfig::policy, "Name of a sub-policy.").nonEmpty();
  s.field("percent", &RateAllocationConfig::percent,
          "Its share of max_total_spans_per_second, in percent.")
      .min(0.0)
      .max(100.0);
}

void describe(Schema<AndPolicyConfig>& s) {
  s.field("and_sub_policy", &AndPolicyConfig::and_sub_policy,
          "Policies that must all match, evaluated in order (put rate limits last).")
      .nonEmpty();
}

void describe(Schema<NotPolicyConfig>& s) {
  s.field("not_sub_policy", &NotPolicyConfig::not_sub_policy, "The policy whose match is inverted.")
      .required();
}

void describe(Schema<DropPolicyConfig>& s) {
  s.field("drop_sub_policy", &DropPolicyConfig::drop_sub_policy,
          "Policies that must all match for the trace to be dropped.")
      .nonEmpty();
}

void describe(Schema<CompositePolicyConfig>& s) {
  s.field("max_total_spans_per_second", &CompositePolicyConfig::max_total_spans_per_second,
          "Spans per second the sub-policies may keep together (whole daemon).");
  s.field("composite_sub_policy", &CompositePolicyConfig::composite_sub_policy,
          "Sub-policies in order; the first that matches decides, within its allocation.")
      .nonEmpty();
  s.field("rate_allocation", &CompositePolicyConfig::rate_allocation,
          "Each sub-policy's share; sub-policies without one share the total equally.");
}

void describe(Schema<AlwaysSampleRule>&) {}
void describe(Schema<NeverSampleRule>&) {}

void describe(Schema<LatencyRule>& s) {
  s.field("latency", &LatencyRule::latency, "Parameters of a latency policy.");
}
void describe(Schema<StatusCodeRule>& s) {
  s.field("status_code", &StatusCodeRule::status_code, "Parameters of a status_code policy.");
}
void describe(Schema<SeverityRule>& s) {
  s.field("severity", &SeverityRule::severity, "Parameters of a severity policy.");
}
void describe(Schema<StringAttributeRule>& s) {
  s.field("string_attribute", &StringAttributeRule::string_attribute,
          "Parameters of a string_attribute policy.")
      .required();
}
void describe(Schema<NumericAttributeRule>& s) {
  s.field("numeric_attribute", &NumericAttributeRule::numeric_attribute,
          "Parameters of a numeric_attribute policy.")
      .required();
}
void describe(Schema<BooleanAttributeRule>& s) {
  s.field("boolean_attribute", &BooleanAttributeRule::boolean_attribute,
          "Parameters of a boolean_attribute policy.")
      .required();
}
void describe(Schema<ServiceNameRule>& s) {
  s.field("service_name", &ServiceNameRule::service_name, "Parameters of a service_name policy.")
      .required();
}
void describe(Schema<OperationNameRule>& s) {
  s.field("operation_name", &OperationNameRule::operation_name,
          "Parameters of an operation_name policy.")
      .required();
}
void describe(Schema<SpanCountRule>& s) {
  s.field("span_count", &SpanCountRule::span_count, "Parameters of a span_count policy.");
}
void describe(Schema<TraceStateRule>& s) {
  s.field("trace_state", &TraceStateRule::trace_state, "Parameters of a trace_state policy.")
      .required();
}
void describe(Schema<ProbabilisticRule>& s) {
  s.field("probabilistic", &ProbabilisticRule::probabilistic,
          "Parameters of a probabilistic policy.");
}
void describe(Schema<RateLimitingRule>& s) {
  s.field("rate_limiting", &RateLimitingRule::rate_limiting,
          "Parameters of a rate_limiting policy.")
      .required();
}
void describe(Schema<AdaptiveRule>& s) {
  s.field("adaptive", &AdaptiveRule::adaptive, "Parameters of an adaptive policy.");
}
void describe(Schema<AndRule>& s) {
  s.field("and", &AndRule::and_policy, "Parameters of an and policy.").required();
}
void describe(Schema<NotRule>& s) {
  s.field("not", &NotRule::not_policy, "Parameters of a not policy.").required();
}
void describe(Schema<DropRule>& s) {
  s.field("drop", &DropRule::drop_policy, "Parameters of a drop policy.").required();
}
void describe(Schema<CompositeRule>& s) {
  s.field("composite", &CompositeRule::composite, "Parameters of a composite policy.").required();
}

void describe(Schema<PolicyConfig>& s) {
  s.field("name", &PolicyConfig::name,
          "Names the policy in each decision it makes (DecisionInfo, metrics).")
      .required()
      .nonEmpty();
  s.field("action", &PolicyConfig::action,
          "`keep` or `drop` the traces the policy matches (top-level policies only). Drop "
          "policies are evaluated first and win over keep policies.");
  s.oneOf("type", &PolicyConfig::rule, "What the policy looks at.")
      .alternative<AlwaysSampleRule>("always_sample", "Matches every trace.")
      .alternative<NeverSampleRule>("never_sample", "Matches no trace.")
      .alternative<LatencyRule>("latency", "Matches traces at least threshold_ms long.")
      .alternative<StatusCodeRule>("status_code", "Matches traces with a listed span status.")
      .alternative<SeverityRule>("severity", "Matches traces with a record at least this severe.")
      .alternative<StringAttributeRule>("string_attribute",
                                        "Matches traces with a string attribute value.")
      .alternative<NumericAttributeRule>("numeric_attribute",
                                         "Matches traces with a numeric attribute in a range.")
      .alternative<BooleanAttributeRule>("boolean_attribute",
                                         "Matches traces with a boolean attribute value.")
      .alternative<ServiceNameRule>("service_name", "Matches traces by service name.")
      .alternative<OperationNameRule>("operation_name", "Matches traces by operation (span) name.")
      .alternative<SpanCountRule>("span_count", "Matches traces by their number of spans.")
      .alternative<TraceStateRule>("trace_state", "Matches traces by a tracestate member.")
      .alternative<ProbabilisticRule>("probabilistic", "Matches a consistent share of traces.")
      .alternative<RateLimitingRule>("rate_limiting",
                                     "Matches traces while a traces/spans per second budget lasts.")
      .alternative<AdaptiveRule>(
          "adaptive",
          "Matches about target_traces_per_second traces of each service and root operation.")
      .alternative<AndRule>("and", "Matches traces every sub-policy matches.")
      .alternative<NotRule>("not", "Matches traces its sub-policy does not match.")
      .alternative<DropRule>("drop", "Drops traces all its sub-policies match.")
      .alternative<CompositeRule>("composite",
                                  "Sub-policies in order, each within its share of a spans per "
                                  "second budget.");
}

void describe(Schema<TailSamplingConfig>& s) {
  s.field("enabled", &TailSamplingConfig::enabled,
          "Assemble each trace and decide it with the policies below. `false`: head sampling "
          "alone decides, nothing is held for decision_wait, and the records of the traces it "
          "keeps go to the exporters and the store as they arrive (a trace is then exported in "
          "parts); the other keys here are unused.");
  s.field("decision_wait", &TailSamplingConfig::decision_wait,
          "A trace is decided this long after its last record arrived.")
      .min(1ms);
  s.field("root_grace", &TailSamplingConfig::root_grace,
          "Or this long after its root span (a span record without a parent) arrived, if sooner.");
  s.field("policies", &TailSamplingConfig::policies,
          "Drop policies first, then keep policies in order: the first that matches decides and "
          "is recorded. A trace no policy matches is dropped (recorded as \"no_match\").")
      .nonEmpty();
}

void describe(Schema<DecisionCacheConfig>& s) {
  s.field("enabled", &DecisionCacheConfig::enabled,
          "Remember decisions so that records arriving after their trace was decided follow it.");
  s.field("max_entries", &DecisionCacheConfig::max_entries,
          "Decisions remembered (whole daemon; about 100 bytes each).")
      .min(1);
  s.field("ttl", &DecisionCacheConfig::ttl, "A decision older than this is forgotten.").min(1ms);
}

void describe(Schema<SamplingConfig>& s) {
  s.field("head", &SamplingConfig::head, "Per record, before anything is buffered.");
  s.field("tail", &SamplingConfig::tail, "Per trace, once it is assembled.");
  s.field("decision_cache", &SamplingConfig::decision_cache, "Decisions kept for late records.");
  s.field("untraced_logs", &SamplingConfig::untraced_logs,
          "Records without a usable trace context: `pass_through` to the outputs or `drop`.");
  s.field("dropped_trace_logs", &SamplingConfig::dropped_trace_logs,
          "Records of a trace head or tail sampling dropped: `drop` them with it, or "
          "`pass_through` to the outputs as plain logs.");
}

void describeSamplingSection(Schema<StitchConfig>& s) {
  s.field("sampling", &StitchConfig::sampling,
          "Which traces are kept: head sampling per record, tail policies per trace (adaptive "
          "included), and the decision cache. See docs/sampling.md.");
}

}  // namespace stitch::config
