#include "core/sampling/policy_config.h"

#include <array>
#include <cmath>
#include <regex>
#include <set>
#include <utility>

namespace stitch::sampling {
namespace {

constexpr std::array<std::string_view, kPolicyTypeCount> kPolicyTypeNames = {
    "always_sample",
    "never_sample",
    "latency",
    "status_code",
    "severity",
    "string_attribute",
    "numeric_attribute",
    "boolean_attribute",
    "service_name",
    "operation_name",
    "span_count",
    "trace_state",
    "probabilistic",
    "rate_limiting",
    "adaptive",
    "and",
    "not",
    "drop",
    "composite",
};

std::string item(std::string_view list, std::size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

void checkRegexes(const std::vector<std::string>& values, bool regex, ConfigProblems& problems) {
  if (!regex) {
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    try {
      const std::regex compiled(values[i], std::regex::ECMAScript);
      (void)compiled;
    } catch (const std::regex_error& error) {
      problems.push_back(
          {item("values", i), "not a valid regular expression: " + std::string(error.what())});
    }
  }
}

// What a policy nested in and/not/drop/composite may not be: a drop (an action belongs to the
// top level only).
void checkNested(const PolicyConfig& policy, const std::string& path, ConfigProblems& problems) {
  if (policy.action == PolicyAction::kDrop) {
    problems.push_back({path + ".action",
                        "only top-level policies have an action; wrap the sub-policies in a "
                        "top-level policy with action: drop"});
  }
  if (policy.type() == PolicyType::kDrop) {
    problems.push_back({path + ".type", "a drop policy must be at the top level"});
  }
}

void checkNestedList(const std::vector<PolicyConfig>& list,
                     std::string_view key,
                     ConfigProblems& problems) {
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    checkNested(list[i], item(key, i), problems);
    if (!list[i].name.empty() && !names.insert(list[i].name).second) {
      problems.push_back(
          {item(key, i) + ".name", "duplicate policy name \"" + list[i].name + "\""});
    }
  }
}

bool finiteNonNegative(double v) noexcept {
  return std::isfinite(v) && v >= 0;
}

void append(ConfigProblems&& from, const std::string& prefix, ConfigProblems& to) {
  for (ConfigProblem& problem : from) {
    to.push_back({prefix + problem.path, std::move(problem.message)});
  }
}

// Walks a policy the way the config loader does: the policy, its parameters, its sub-policies.
void walk(const PolicyConfig& policy, const std::string& prefix, int depth, ConfigProblems& out) {
  constexpr int kMaxDepth = 32;
  if (depth > kMaxDepth) {
    out.push_back({prefix + "type", "policies nest deeper than 32 levels"});
    return;
  }
  append(policy.validate(), prefix, out);
  std::visit(
      [&](const auto& rule) {
        using Rule = std::decay_t<decltype(rule)>;
        if constexpr (std::is_same_v<Rule, LatencyRule>) {
          append(rule.latency.validate(), prefix + "latency.", out);
        } else if constexpr (std::is_same_v<Rule, StatusCodeRule>) {
          append(rule.status_code.validate(), prefix + "status_code.", out);
        } else if constexpr (std::is_same_v<Rule, StringAttributeRule>) {
          append(rule.string_attribute.validate(), prefix + "string_attribute.", out);
        } else if constexpr (std::is_same_v<Rule, NumericAttributeRule>) {
          append(rule.numeric_attribute.validate(), prefix + "numeric_attribute.", out);
        } else if constexpr (std::is_same_v<Rule, BooleanAttributeRule>) {
          append(rule.boolean_attribute.validate(), prefix + "boolean_attribute.", out);
        } else if constexpr (std::is_same_v<Rule, ServiceNameRule>) {
          append(rule.service_name.validate(), prefix + "service_name.", out);
        } else if constexpr (std::is_same_v<Rule, OperationNameRule>) {
          append(rule.operation_name.validate(), prefix + "operation_name.", out);
        } else if constexpr (std::is_same_v<Rule, SpanCountRule>) {
          append(rule.span_count.validate(), prefix + "span_count.", out);
        } else if constexpr (std::is_same_v<Rule, TraceStateRule>) {
          append(rule.trace_state.validate(), prefix + "trace_state.", out);
        } else if constexpr (std::is_same_v<Rule, ProbabilisticRule>) {
          append(rule.probabilistic.validate(), prefix + "probabilistic.", out);
        } else if constexpr (std::is_same_v<Rule, RateLimitingRule>) {
          append(rule.rate_limiting.validate(), prefix + "rate_limiting.", out);
        } else if constexpr (std::is_same_v<Rule, AdaptiveRule>) {
          append(rule.adaptive.validate(), prefix + "adaptive.", out);
        } else if constexpr (std::is_same_v<Rule, AndRule>) {
          append(rule.and_policy.validate(), prefix + "and.", out);
          for (std::size_t i = 0; i < rule.and_policy.and_sub_policy.size(); ++i) {
            walk(rule.and_policy.and_sub_policy[i], prefix + item("and.and_sub_policy", i) + ".",
                 depth + 1, out);
          }
        } else if constexpr (std::is_same_v<Rule, NotRule>) {
          append(rule.not_policy.validate(), prefix + "not.", out);
          walk(*rule.not_policy.not_sub_policy, prefix + "not.not_sub_policy.", depth + 1, out);
        } else if constexpr (std::is_same_v<Rule, DropRule>) {
          append(rule.drop_policy.validate(), prefix + "drop.", out);
          for (std::size_t i = 0; i < rule.drop_policy.drop_sub_policy.size(); ++i) {
            walk(rule.drop_policy.drop_sub_policy[i],
                 prefix + item("drop.drop_sub_policy", i) + ".", depth + 1, out);
          }
        } else if constexpr (std::is_same_v<Rule, CompositeRule>) {
          append(rule.composite.validate(), prefix + "composite.", out);
          for (std::size_t i = 0; i < rule.composite.composite_sub_policy.size(); ++i) {
            walk(rule.composite.composite_sub_policy[i],
                 prefix + item("composite.composite_sub_policy", i) + ".", depth + 1, out);
          }
        }
      },
      policy.rule);
}

}  // namespace

std::string_view policyTypeName(PolicyType type) noexcept {
  const auto index = static_cast<std::size_t>(type);
  return index < kPolicyTypeNames.size() ? kPolicyTypeNames[index] : "unknown";
}

ConfigProblems LatencyPolicyConfig::validate() const {
  ConfigProblems problems;
  if (threshold_ms < 0) {
    problems.push_back({"threshold_ms", "must not be negative"});
  }
  if (upper_threshold_ms < 0 || (upper_threshold_ms > 0 && upper_threshold_ms < threshold_ms)) {
    problems.push_back(
        {"upper_threshold_ms", "must be 0 (no upper bound) or at least threshold_ms"});
  }
  return problems;
}

ConfigProblems StatusCodePolicyConfig::validate() const {
  if (status_codes.empty()) {
    return {{"status_codes", "must list at least one of ERROR, OK, UNSET"}};
  }
  return {};
}

ConfigProblems StringAttributePolicyConfig::validate() const {
  ConfigProblems problems;
  if (key.empty()) {
    problems.push_back({"key", "must not be empty"});
  }
  if (values.empty()) {
    problems.push_back({"values", "must list at least one value"});
  }
  checkRegexes(values, enabled_regex_matching, problems);
  return problems;
}

ConfigProblems NumericAttributePolicyConfig::validate() const {
  ConfigProblems problems;
  if (key.empty()) {
    problems.push_back({"key", "must not be empty"});
  }
  if (!min_value && !max_value) {
    problems.push_back({"min_value", "needs min_value, max_value or both"});
  }
  if (min_value && max_value && *min_value > *max_value) {
    problems.push_back({"max_value", "must not be below min_value"});
  }
  return problems;
}

ConfigProblems BooleanAttributePolicyConfig::validate() const {
  if (key.empty()) {
    return {{"key", "must not be empty"}};
  }
  return {};
}

ConfigProblems NameMatchPolicyConfig::validate() const {
  ConfigProblems problems;
  if (values.empty()) {
    problems.push_back({"values", "must list at least one value"});
  }
  checkRegexes(values, enabled_regex_matching, problems);
  return problems;
}

ConfigProblems SpanCountPolicyConfig::validate() const {
  if (max_spans != 0 && max_spans < min_spans) {
    return {{"max_spans", "must be 0 (no upper bound) or at least min_spans"}};
  }
  return {};
}

ConfigProblems TraceStatePolicyConfig::validate() const {
  ConfigProblems problems;
  if (key.empty()) {
    problems.push_back({"key", "must not be empty"});
  }
  if (values.empty()) {
    problems.push_back({"values", "must list at least one value"});
  }
  return problems;
}

ConfigProblems ProbabilisticPolicyConfig::validate() const {
  if (!(sampling_percentage >= 0 && sampling_percentage <= 100)) {
    return {{"sampling_percentage", "must be in [0, 100]"}};
  }
  return {};
}

ConfigProblems RateLimitingPolicyConfig::validate() const {
  ConfigProblems problems;
  if (!finiteNonNegative(traces_per_second)) {
    problems.push_back({"traces_per_second", "must be finite and not negative"});
  }
  if (!finiteNonNegative(spans_per_second)) {
    problems.push_back({"spans_per_second", "must be finite and not negative"});
  }
  if (traces_per_second == 0 && spans_per_second == 0) {
    problems.push_back({"traces_per_second",
                        "needs traces_per_second, spans_per_second or both (always_sample keeps "
                        "without a limit)"});
  }
  if (!(burst_seconds > 0) || !std::isfinite(burst_seconds)) {
    problems.push_back({"burst_seconds", "must be positive"});
  }
  return problems;
}

ConfigProblems AndPolicyConfig::validate() const {
  ConfigProblems problems;
  if (and_sub_policy.empty()) {
    problems.push_back({"and_sub_policy", "must list at least one policy"});
  }
  checkNestedList(and_sub_policy, "and_sub_policy", problems);
  return problems;
}

ConfigProblems NotPolicyConfig::validate() const {
  ConfigProblems problems;
  checkNested(*not_sub_policy, "not_sub_policy", problems);
  return problems;
}

ConfigProblems DropPolicyConfig::validate() const {
  ConfigProblems problems;
  if (drop_sub_policy.empty()) {
    problems.push_back({"drop_sub_policy", "must list at least one policy"});
  }
  checkNestedList(drop_sub_policy, "drop_sub_policy", problems);
  return problems;
}

ConfigProblems CompositePolicyConfig::validate() const {
  ConfigProblems problems;
  if (!(max_total_spans_per_second > 0) || !std::isfinite(max_total_spans_per_second)) {
    problems.push_back({"max_total_spans_per_second", "must be positive"});
  }
  if (composite_sub_policy.empty()) {
    problems.push_back({"composite_sub_policy", "must list at least one policy"});
  }
  checkNestedList(composite_sub_policy, "composite_sub_policy", problems);
  double total = 0;
  for (std::size_t i = 0; i < rate_allocation.size(); ++i) {
    const RateAllocationConfig& allocation = rate_allocation[i];
    bool known = false;
    for (const PolicyConfig& sub : composite_sub_policy) {
      known = known || sub.name == allocation.policy;
    }
    if (!known) {
      problems.push_back({item("rate_allocation", i) + ".policy",
                          "names no sub-policy of this composite: \"" + allocation.policy + "\""});
    }
    if (!(allocation.percent >= 0 && allocation.percent <= 100)) {
      problems.push_back({item("rate_allocation", i) + ".percent", "must be in [0, 100]"});
    }
    total += allocation.percent;
  }
  if (total > 100.0 + 1e-9) {
    problems.push_back({"rate_allocation", "percentages add up to more than 100"});
  }
  return problems;
}

ConfigProblems PolicyConfig::validate() const {
  ConfigProblems problems;
  if (name.empty()) {
    problems.push_back({"name", "every policy needs a name (it is recorded with decisions)"});
  } else if (name == "no_match") {
    problems.push_back({"name", "\"no_match\" is reserved for traces no policy matched"});
  }
  return problems;
}

PolicyConfig makePolicy(std::string name, PolicyRule rule, PolicyAction action) {
  PolicyConfig policy;
  policy.name = std::move(name);
  policy.rule = std::move(rule);
  policy.action = action;
  return policy;
}

std::vector<PolicyConfig> defaultPolicies() {
  std::vector<PolicyConfig> policies;
  policies.push_back(makePolicy("errors", StatusCodeRule{}));
  policies.push_back(makePolicy("error-logs", SeverityRule{}));
  LatencyRule slow;
  slow.latency.threshold_ms = 1000;
  policies.push_back(makePolicy("slow", slow));
  policies.push_back(makePolicy("adaptive", AdaptiveRule{}));
  return policies;
}

ConfigProblems TailSamplingConfig::validate() const {
  ConfigProblems problems;
  if (decision_wait.count() <= 0) {
    problems.push_back({"decision_wait", "must be positive"});
  }
  if (root_grace.count() < 0) {
    problems.push_back({"root_grace", "must not be negative"});
  }
  if (policies.empty()) {
    problems.push_back({"policies",
                        "must list at least one policy: a trace no policy keeps is dropped (use "
                        "always_sample to keep every trace)"});
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (!policies[i].name.empty() && !names.insert(policies[i].name).second) {
      problems.push_back(
          {item("policies", i) + ".name", "duplicate policy name \"" + policies[i].name + "\""});
    }
  }
  return problems;
}

ConfigProblems checkTailSampling(const TailSamplingConfig& config) {
  ConfigProblems problems = config.validate();
  for (std::size_t i = 0; i < config.policies.size(); ++i) {
    walk(config.policies[i], item("policies", i) + ".", 0, problems);
  }
  return problems;
}

}  // namespace stitch::sampling
