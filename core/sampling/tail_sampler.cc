#include "core/sampling/tail_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <string_view>
#include <utility>
#include <variant>

#include "core/sampling/consistent.h"
#include "core/sampling/token_bucket.h"

namespace stitch::sampling {
namespace {

using record::Record;
using record::RecordPtr;

class ConstantPolicy final : public Policy {
public:
  explicit ConstantPolicy(bool result) : result_(result) {}
  bool matches(PolicyContext&) override { return result_; }

private:
  bool result_;
};

class LatencyPolicy final : public Policy {
public:
  explicit LatencyPolicy(const LatencyPolicyConfig& config)
      : threshold_ns_(config.threshold_ms * kNanosPerMilli),
        upper_ns_(config.upper_threshold_ms * kNanosPerMilli),
        scope_(config.scope) {}
  bool matches(PolicyContext& context) override {
    std::int64_t duration = -1;
    switch (scope_) {
      case LatencyScope::kTrace:
        duration = context.facts.durationNs();
        break;
      case LatencyScope::kRoot:
        duration = context.facts.rootDurationNs();
        break;
      case LatencyScope::kAnySpan:
        duration = context.facts.max_span_duration_ns;
        break;
    }
    return duration >= 0 && duration >= threshold_ns_ && (upper_ns_ <= 0 || duration <= upper_ns_);
  }

private:
  std::int64_t threshold_ns_;
  std::int64_t upper_ns_;
  LatencyScope scope_;
};

class StatusCodePolicy final : public Policy {
public:
  explicit StatusCodePolicy(const StatusCodePolicyConfig& config) {
    for (const record::Status status : config.status_codes) {
      mask_ |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(status));
    }
  }
  bool matches(PolicyContext& context) override { return (context.facts.status_mask & mask_) != 0; }

private:
  std::uint8_t mask_ = 0;
};

class SeverityPolicy final : public Policy {
public:
  explicit SeverityPolicy(const SeverityPolicyConfig& config)
      : min_(static_cast<std::uint8_t>(config.min_severity)) {}
  bool matches(PolicyContext& context) override { return context.facts.max_severity >= min_; }

private:
  std::uint8_t min_;
};

// Exact values or (unanchored) regexes, as the Collector's string_attribute.
class StringMatcher {
public:
  StringMatcher(const std::vector<std::string>& values, bool regex) : values_(values) {
    if (regex) {
      for (const std::string& value : values) {
        regexes_.emplace_back(value, std::regex::ECMAScript | std::regex::optimize);
      }
    }
  }
  bool matches(std::string_view text) const {
    if (!regexes_.empty()) {
      for (const std::regex& regex : regexes_) {
        if (std::regex_search(text.begin(), text.end(), regex)) {
          return true;
        }
      }
      return false;
    }
    return std::find(values_.begin(), values_.end(), text) != values_.end();
  }

private:
  std::vector<std::string> values_;
  std::vector<std::regex> regexes_;
};

// Any record whose attribute `key` satisfies `test`.
template <class Test>
bool anyAttribute(const PolicyContext& context, const std::string& key, Test&& test) {
  if (context.lookup == nullptr) {
    return false;
  }
  for (const RecordPtr& r : context.facts.records) {
    const auto value = context.lookup->find(*r, key);
    if (value && test(*value)) {
      return true;
    }
  }
  return false;
}

class StringAttributePolicy final : public Policy {
public:
  explicit StringAttributePolicy(const StringAttributePolicyConfig& config)
      : key_(config.key),
        matcher_(config.values, config.enabled_regex_matching),
        invert_(config.invert_match) {}
  bool matches(PolicyContext& context) override {
    const bool found = anyAttribute(context, key_, [this](const AttributeValue& value) {
      return value.kind == AttributeValue::Kind::kString && matcher_.matches(value.text);
    });
    return found != invert_;
  }

private:
  std::string key_;
  StringMatcher matcher_;
  bool invert_;
};

class NumericAttributePolicy final : public Policy {
public:
  explicit NumericAttributePolicy(const NumericAttributePolicyConfig& config) : config_(config) {}
  bool matches(PolicyContext& context) override {
    const bool found = anyAttribute(context, config_.key, [this](const AttributeValue& value) {
      return value.kind == AttributeValue::Kind::kNumber &&
             (!config_.min_value || value.number >= *config_.min_value) &&
             (!config_.max_value || value.number <= *config_.max_value);
    });
    return found != config_.invert_match;
  }

private:
  NumericAttributePolicyConfig config_;
};

class BooleanAttributePolicy final : public Policy {
public:
  explicit BooleanAttributePolicy(const BooleanAttributePolicyConfig& config) : config_(config) {}
  bool matches(PolicyContext& context) override {
    const bool found = anyAttribute(context, config_.key, [this](const AttributeValue& value) {
      return value.kind == AttributeValue::Kind::kBool && value.boolean == config_.value;
    });
    return found != config_.invert_match;
  }

private:
  BooleanAttributePolicyConfig config_;
};

class NamePolicy final : public Policy {
public:
  NamePolicy(const NameMatchPolicyConfig& config, bool service)
      : matcher_(config.values, config.enabled_regex_matching),
        invert_(config.invert_match),
        scope_(config.scope),
        service_(service) {}
  bool matches(PolicyContext& context) override {
    bool found = false;
    if (scope_ == NameScope::kRoot) {
      found =
          matcher_.matches(service_ ? context.facts.root_service : context.facts.root_operation);
    } else {
      for (const RecordPtr& r : context.facts.records) {
        if (matcher_.matches(service_ ? r->serviceName() : r->operationName())) {
          found = true;
          break;
        }
      }
    }
    return found != invert_;
  }

private:
  StringMatcher matcher_;
  bool invert_;
  NameScope scope_;
  bool service_;
};

class SpanCountPolicy final : public Policy {
public:
  explicit SpanCountPolicy(const SpanCountPolicyConfig& config) : config_(config) {}
  bool matches(PolicyContext& context) override {
    const std::uint32_t count = context.facts.span_count;
    return count >= config_.min_spans && (config_.max_spans == 0 || count <= config_.max_spans);
  }

private:
  SpanCountPolicyConfig config_;
};

class TraceStatePolicy final : public Policy {
public:
  explicit TraceStatePolicy(const TraceStatePolicyConfig& config) : config_(config) {}
  bool matches(PolicyContext& context) override {
    for (const RecordPtr& r : context.facts.records) {
      if (r->tracestate.empty()) {
        continue;
      }
      const auto value = findTracestateMember(r->tracestateText(), config_.key);
      if (value &&
          std::find(config_.values.begin(), config_.values.end(), *value) != config_.values.end()) {
        return true;
      }
    }
    return false;
  }

private:
  TraceStatePolicyConfig config_;
};

class ProbabilisticPolicy final : public Policy {
public:
  explicit ProbabilisticPolicy(const ProbabilisticPolicyConfig& config)
      : threshold_(config.sampling_percentage <= 0
                       ? kNeverSample
                       : probabilityToThreshold(config.sampling_percentage / 100.0)) {}
  bool matches(PolicyContext& context) override {
    return shouldSample(context.facts.randomness, threshold_);
  }

private:
  Threshold threshold_;
};

class RateLimitingPolicy final : public Policy {
public:
  RateLimitingPolicy(const RateLimitingPolicyConfig& config, double share, TimestampNs now) {
    if (config.traces_per_second > 0) {
      const double rate = config.traces_per_second * share;
      traces_ = TokenBucket(rate, std::max(1.0, rate * config.burst_seconds), now);
      limit_traces_ = true;
    }
    if (config.spans_per_second > 0) {
      const double rate = config.spans_per_second * share;
      spans_ = TokenBucket(rate, std::max(1.0, rate * config.burst_seconds), now);
      limit_spans_ = true;
    }
  }
  bool matches(PolicyContext& context) override {
    const double spans = std::max<double>(1.0, context.facts.span_count);
    // Check both before taking from either, so a refusal costs nothing.
    if (limit_traces_ && traces_.tokens(context.now) < 1.0) {
      return false;
    }
    if (limit_spans_ && spans_.tokens(context.now) < std::min(spans, spans_.capacity())) {
      return false;
    }
    if (limit_traces_) {
      traces_.tryTake(1.0, context.now);
    }
    if (limit_spans_) {
      spans_.tryTake(spans, context.now);
    }
    return true;
  }

private:
  TokenBucket traces_;
  TokenBucket spans_;
  bool limit_traces_ = false;
  bool limit_spans_ = false;
};

class AdaptivePolicy final : public Policy {
public:
  AdaptivePolicy(std::string name,
                 const AdaptiveConfig& config,
                 double share,
                 TimestampNs now,
                 PolicyId lower_bound_id)
      : sampler_(std::move(name), config, share, now), lower_bound_id_(lower_bound_id) {}
  bool matches(PolicyContext& context) override {
    switch (sampler_.sample(context.facts.root_service, context.facts.root_operation,
                            context.facts.randomness, context.now)) {
      case AdaptiveSampler::Outcome::kKeep:
        return true;
      case AdaptiveSampler::Outcome::kKeepLowerBound:
        context.decided_by = lower_bound_id_;
        context.has_decided_by = true;
        return true;
      case AdaptiveSampler::Outcome::kDrop:
        return false;
    }
    return false;
  }
  AdaptiveSampler& sampler() noexcept { return sampler_; }

private:
  AdaptiveSampler sampler_;
  PolicyId lower_bound_id_;
};

class AndPolicy final : public Policy {
public:
  explicit AndPolicy(std::vector<std::unique_ptr<Policy>> children)
      : children_(std::move(children)) {}
  bool matches(PolicyContext& context) override {
    for (const auto& child : children_) {
      if (!child->matches(context)) {
        return false;
      }
    }
    return true;
  }

private:
  std::vector<std::unique_ptr<Policy>> children_;
};

class NotPolicy final : public Policy {
public:
  explicit NotPolicy(std::unique_ptr<Policy> child) : child_(std::move(child)) {}
  bool matches(PolicyContext& context) override {
    const bool result = !child_->matches(context);
    context.has_decided_by = false;  // a sub-policy's name would describe the opposite
    return result;
  }

private:
  std::unique_ptr<Policy> child_;
};

// The Collector's composite: sub-policies in order; the first that matches keeps the trace
// when its span allocation for the current one-second window still has room, else the
// composite does not match (it does not fall through to the next sub-policy).
class CompositePolicy final : public Policy {
public:
  struct Sub {
    std::unique_ptr<Policy> policy;
    PolicyId id;
    double allocated_spans;
    double spent_spans = 0;
  };
  CompositePolicy(std::vector<Sub> subs, double max_total)
      : subs_(std::move(subs)), max_total_(max_total) {}
  bool matches(PolicyContext& context) override {
    const std::int64_t second = context.now / kNanosPerSecond;
    if (second != window_) {
      window_ = second;
      for (Sub& sub : subs_) {
        sub.spent_spans = 0;
      }
    }
    for (Sub& sub : subs_) {
      if (!sub.policy->matches(context)) {
        continue;
      }
      const double if_kept = sub.spent_spans + std::max<double>(1.0, context.facts.span_count);
      if (if_kept <= sub.allocated_spans && if_kept <= max_total_) {
        sub.spent_spans = if_kept;
        context.decided_by = sub.id;
        context.has_decided_by = true;
        return true;
      }
      return false;
    }
    return false;
  }

private:
  std::vector<Sub> subs_;
  double max_total_;
  std::int64_t window_ = -1;
};

struct Builder {
  TailSampler& sampler;
  double share;
  TimestampNs now;

  std::vector<std::unique_ptr<Policy>> buildAll(const std::vector<PolicyConfig>& list,
                                                const std::string& prefix) {
    std::vector<std::unique_ptr<Policy>> built;
    built.reserve(list.size());
    for (const PolicyConfig& config : list) {
      built.push_back(build(config, prefix));
    }
    return built;
  }

  // `prefix` is the path of names above this policy, e.g. "composite-1/".
  std::unique_ptr<Policy> build(const PolicyConfig& config, const std::string& prefix) {
    return std::visit(
        [&](const auto& rule) -> std::unique_ptr<Policy> {
          return buildRule(rule, config, prefix);
        },
        config.rule);
  }

  std::unique_ptr<Policy> buildRule(const AlwaysSampleRule&,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<ConstantPolicy>(true);
  }
  std::unique_ptr<Policy> buildRule(const NeverSampleRule&,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<ConstantPolicy>(false);
  }
  std::unique_ptr<Policy> buildRule(const LatencyRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<LatencyPolicy>(rule.latency);
  }
  std::unique_ptr<Policy> buildRule(const StatusCodeRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<StatusCodePolicy>(rule.status_code);
  }
  std::unique_ptr<Policy> buildRule(const SeverityRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<SeverityPolicy>(rule.severity);
  }
  std::unique_ptr<Policy> buildRule(const StringAttributeRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<StringAttributePolicy>(rule.string_attribute);
  }
  std::unique_ptr<Policy> buildRule(const NumericAttributeRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<NumericAttributePolicy>(rule.numeric_attribute);
  }
  std::unique_ptr<Policy> buildRule(const BooleanAttributeRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<BooleanAttributePolicy>(rule.boolean_attribute);
  }
  std::unique_ptr<Policy> buildRule(const ServiceNameRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<NamePolicy>(rule.service_name, true);
  }
  std::unique_ptr<Policy> buildRule(const OperationNameRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<NamePolicy>(rule.operation_name, false);
  }
  std::unique_ptr<Policy> buildRule(const SpanCountRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<SpanCountPolicy>(rule.span_count);
  }
  std::unique_ptr<Policy> buildRule(const TraceStateRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<TraceStatePolicy>(rule.trace_state);
  }
  std::unique_ptr<Policy> buildRule(const ProbabilisticRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<ProbabilisticPolicy>(rule.probabilistic);
  }
  std::unique_ptr<Policy> buildRule(const RateLimitingRule& rule,
                                    const PolicyConfig&,
                                    const std::string&) {
    return std::make_unique<RateLimitingPolicy>(rule.rate_limiting, share, now);
  }
  std::unique_ptr<Policy> buildRule(const AdaptiveRule& rule,
                                    const PolicyConfig& config,
                                    const std::string& prefix) {
    const std::string name = prefix + config.name;
    const PolicyId lower_bound = sampler.registerName(name + ":lower_bound");
    auto policy = std::make_unique<AdaptivePolicy>(name, rule.adaptive, share, now, lower_bound);
    sampler.registerAdaptive(&policy->sampler());
    return policy;
  }
  std::unique_ptr<Policy> buildRule(const AndRule& rule,
                                    const PolicyConfig& config,
                                    const std::string& prefix) {
    return std::make_unique<AndPolicy>(
        buildAll(rule.and_policy.and_sub_policy, prefix + config.name + "/"));
  }
  std::unique_ptr<Policy> buildRule(const DropRule& rule,
                                    const PolicyConfig& config,
                                    const std::string& prefix) {
    return std::make_unique<AndPolicy>(
        buildAll(rule.drop_policy.drop_sub_policy, prefix + config.name + "/"));
  }
  std::unique_ptr<Policy> buildRule(const NotRule& rule,
                                    const PolicyConfig& config,
                                    const std::string& prefix) {
    return std::make_unique<NotPolicy>(
        build(*rule.not_policy.not_sub_policy, prefix + config.name + "/"));
  }
  std::unique_ptr<Policy> buildRule(const CompositeRule& rule,
                                    const PolicyConfig& config,
                                    const std::string& prefix) {
    const CompositePolicyConfig& composite = rule.composite;
    const double max_total = composite.max_total_spans_per_second * share;
    const double equal_share = max_total / static_cast<double>(std::max<std::size_t>(
                                               1, composite.composite_sub_policy.size()));
    std::vector<CompositePolicy::Sub> subs;
    const std::string sub_prefix = prefix + config.name + "/";
    for (const PolicyConfig& sub_config : composite.composite_sub_policy) {
      double allocated = equal_share;
      for (const RateAllocationConfig& allocation : composite.rate_allocation) {
        if (allocation.policy == sub_config.name) {
          allocated = max_total * allocation.percent / 100.0;
        }
      }
      CompositePolicy::Sub sub;
      sub.policy = build(sub_config, sub_prefix);
      sub.id = sampler.registerName(sub_prefix + sub_config.name);
      sub.allocated_spans = allocated;
      subs.push_back(std::move(sub));
    }
    return std::make_unique<CompositePolicy>(std::move(subs), max_total);
  }
};

}  // namespace

TailSampler::TailSampler(const TailSamplingConfig& config,
                         const AttributeLookup* lookup,
                         std::size_t shard_count,
                         TimestampNs now)
    : lookup_(lookup) {
  const double share = 1.0 / static_cast<double>(std::max<std::size_t>(1, shard_count));
  Builder builder{*this, share, now};
  for (const PolicyConfig& policy : config.policies) {
    TopLevel top;
    top.id = registerName(policy.name);
    top.policy = builder.build(policy, "");
    const bool drop = policy.action == PolicyAction::kDrop || policy.type() == PolicyType::kDrop;
    (drop ? drops_ : keeps_).push_back(std::move(top));
  }
  no_match_ = registerName("no_match");
}

TailSampler::~TailSampler() = default;

PolicyId TailSampler::registerName(std::string name) {
  names_.push_back(std::move(name));
  return static_cast<PolicyId>(names_.size() - 1);
}

TailVerdict TailSampler::decide(const TraceFacts& facts, TimestampNs now) {
  PolicyContext context{facts, now, lookup_};
  for (TopLevel& top : drops_) {
    context.has_decided_by = false;
    if (top.policy->matches(context)) {
      return {trace::Decision::kDrop, top.id};
    }
  }
  for (TopLevel& top : keeps_) {
    context.has_decided_by = false;
    if (top.policy->matches(context)) {
      return {trace::Decision::kKeep, context.has_decided_by ? context.decided_by : top.id};
    }
  }
  return {trace::Decision::kDrop, no_match_};
}

bool TailSampler::onTick(TimestampNs now) {
  bool calculated = false;
  for (AdaptiveSampler* sampler : adaptive_) {
    calculated = sampler->onTick(now) || calculated;
  }
  return calculated;
}

TimestampNs TailSampler::nextCalculationNs() const noexcept {
  TimestampNs next = std::numeric_limits<TimestampNs>::max();
  for (const AdaptiveSampler* sampler : adaptive_) {
    next = std::min(next, sampler->nextCalculationNs());
  }
  return next;
}

AdaptiveSnapshotPtr TailSampler::adaptiveSnapshot() const {
  auto snapshot = std::make_shared<AdaptiveSnapshot>();
  for (const AdaptiveSampler* sampler : adaptive_) {
    sampler->appendSnapshot(*snapshot);
  }
  return snapshot;
}

}  // namespace stitch::sampling
