#include "core/sampling/policy_config.h"

#include <array>
#include <cctype>
#include <charconv>
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

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

void add(ConfigProblems& problems,
         const std::string& prefix,
         std::string_view key,
         std::string message) {
  problems.push_back({prefix + std::string(key), std::move(message)});
}

void checkRegexes(const std::vector<std::string>& values,
                  bool regex,
                  const std::string& prefix,
                  ConfigProblems& problems) {
  if (!regex) {
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    try {
      std::regex compiled(values[i], std::regex::ECMAScript);
      (void)compiled;
    } catch (const std::regex_error& error) {
      add(problems, prefix, "values[" + std::to_string(i) + "]",
          "not a valid regular expression: " + std::string(error.what()));
    }
  }
}

bool finiteNonNegative(double v) noexcept {
  return std::isfinite(v) && v >= 0;
}

void validatePolicy(const PolicyConfig& policy,
                    const std::string& prefix,
                    bool nested,
                    int depth,
                    ConfigProblems& problems);

void validateList(const std::vector<PolicyConfig>& list,
                  const std::string& prefix,
                  int depth,
                  ConfigProblems& problems) {
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item = prefix + "[" + std::to_string(i) + "]";
    if (!list[i].name.empty() && !names.insert(list[i].name).second) {
      add(problems, item, ".name", "duplicate policy name \"" + list[i].name + "\"");
    }
    validatePolicy(list[i], item + ".", true, depth + 1, problems);
  }
}

void validatePolicy(const PolicyConfig& policy,
                    const std::string& prefix,
                    bool nested,
                    int depth,
                    ConfigProblems& problems) {
  constexpr int kMaxDepth = 16;
  if (depth > kMaxDepth) {
    add(problems, prefix, "type", "policies nest deeper than 16 levels");
    return;
  }
  if (policy.name.empty()) {
    add(problems, prefix, "name", "every policy needs a name (it is recorded with decisions)");
  }
  if (nested && policy.action == PolicyAction::kDrop) {
    add(problems, prefix, "action",
        "only top-level policies have an action; wrap the sub-policies in a top-level policy "
        "with action: drop");
  }
  switch (policy.type) {
    case PolicyType::kAlwaysSample:
    case PolicyType::kNeverSample:
      break;
    case PolicyType::kLatency:
      if (policy.latency.threshold_ms < 0) {
        add(problems, prefix, "latency.threshold_ms", "must not be negative");
      }
      if (policy.latency.upper_threshold_ms < 0 ||
          (policy.latency.upper_threshold_ms > 0 &&
           policy.latency.upper_threshold_ms < policy.latency.threshold_ms)) {
        add(problems, prefix, "latency.upper_threshold_ms",
            "must be 0 (no upper bound) or at least threshold_ms");
      }
      break;
    case PolicyType::kStatusCode:
      if (policy.status_code.status_codes.empty()) {
        add(problems, prefix, "status_code.status_codes",
            "must list at least one of ERROR, OK, UNSET");
      }
      break;
    case PolicyType::kSeverity:
      if (policy.severity.min_severity_number < 1 || policy.severity.min_severity_number > 24) {
        add(problems, prefix, "severity.min_severity",
            "must be a severity name (TRACE, DEBUG, INFO, WARN, ERROR, FATAL) or 1..24");
      }
      break;
    case PolicyType::kStringAttribute:
      if (policy.string_attribute.key.empty()) {
        add(problems, prefix, "string_attribute.key", "must not be empty");
      }
      if (policy.string_attribute.values.empty()) {
        add(problems, prefix, "string_attribute.values", "must list at least one value");
      }
      checkRegexes(policy.string_attribute.values, policy.string_attribute.enabled_regex_matching,
                   prefix + "string_attribute.", problems);
      break;
    case PolicyType::kNumericAttribute: {
      const auto& numeric = policy.numeric_attribute;
      if (numeric.key.empty()) {
        add(problems, prefix, "numeric_attribute.key", "must not be empty");
      }
      if (!numeric.min_value && !numeric.max_value) {
        add(problems, prefix, "numeric_attribute", "needs min_value, max_value or both");
      }
      if (numeric.min_value && numeric.max_value && *numeric.min_value > *numeric.max_value) {
        add(problems, prefix, "numeric_attribute.max_value", "must not be below min_value");
      }
      break;
    }
    case PolicyType::kBooleanAttribute:
      if (policy.boolean_attribute.key.empty()) {
        add(problems, prefix, "boolean_attribute.key", "must not be empty");
      }
      break;
    case PolicyType::kServiceName:
    case PolicyType::kOperationName: {
      const bool service = policy.type == PolicyType::kServiceName;
      const auto& match = service ? policy.service_name : policy.operation_name;
      const std::string key = service ? "service_name." : "operation_name.";
      if (match.values.empty()) {
        add(problems, prefix, key + "values", "must list at least one value");
      }
      checkRegexes(match.values, match.enabled_regex_matching, prefix + key, problems);
      break;
    }
    case PolicyType::kSpanCount:
      if (policy.span_count.max_spans != 0 &&
          policy.span_count.max_spans < policy.span_count.min_spans) {
        add(problems, prefix, "span_count.max_spans",
            "must be 0 (no upper bound) or at least min_spans");
      }
      break;
    case PolicyType::kTraceState:
      if (policy.trace_state.key.empty()) {
        add(problems, prefix, "trace_state.key", "must not be empty");
      }
      if (policy.trace_state.values.empty()) {
        add(problems, prefix, "trace_state.values", "must list at least one value");
      }
      break;
    case PolicyType::kProbabilistic:
      if (!(policy.probabilistic.sampling_percentage >= 0 &&
            policy.probabilistic.sampling_percentage <= 100)) {
        add(problems, prefix, "probabilistic.sampling_percentage", "must be in [0, 100]");
      }
      break;
    case PolicyType::kRateLimiting: {
      const auto& rate = policy.rate_limiting;
      if (!finiteNonNegative(rate.traces_per_second) || !finiteNonNegative(rate.spans_per_second)) {
        add(problems, prefix, "rate_limiting", "rates must be finite and not negative");
      } else if (rate.traces_per_second == 0 && rate.spans_per_second == 0) {
        add(problems, prefix, "rate_limiting",
            "needs traces_per_second, spans_per_second or both (use always_sample for no limit)");
      }
      if (!(rate.burst_seconds > 0) || !std::isfinite(rate.burst_seconds)) {
        add(problems, prefix, "rate_limiting.burst_seconds", "must be positive");
      }
      break;
    }
    case PolicyType::kAdaptive:
      for (auto& problem : policy.adaptive.validate()) {
        problems.push_back({prefix + "adaptive." + problem.path, std::move(problem.message)});
      }
      break;
    case PolicyType::kAnd:
      if (policy.and_policy.and_sub_policy.empty()) {
        add(problems, prefix, "and.and_sub_policy", "must list at least one policy");
      }
      validateList(policy.and_policy.and_sub_policy, prefix + "and.and_sub_policy", depth,
                   problems);
      break;
    case PolicyType::kNot:
      if (policy.not_policy.not_sub_policy.size() != 1) {
        add(problems, prefix, "not.not_sub_policy", "must hold exactly one policy");
      }
      validateList(policy.not_policy.not_sub_policy, prefix + "not.not_sub_policy", depth,
                   problems);
      break;
    case PolicyType::kDrop:
      if (nested) {
        add(problems, prefix, "type", "a drop policy must be at the top level");
      }
      if (policy.drop_policy.drop_sub_policy.empty()) {
        add(problems, prefix, "drop.drop_sub_policy", "must list at least one policy");
      }
      validateList(policy.drop_policy.drop_sub_policy, prefix + "drop.drop_sub_policy", depth,
                   problems);
      break;
    case PolicyType::kComposite: {
      const auto& composite = policy.composite;
      if (!(composite.max_total_spans_per_second > 0) ||
          !std::isfinite(composite.max_total_spans_per_second)) {
        add(problems, prefix, "composite.max_total_spans_per_second", "must be positive");
      }
      if (composite.composite_sub_policy.empty()) {
        add(problems, prefix, "composite.composite_sub_policy", "must list at least one policy");
      }
      validateList(composite.composite_sub_policy, prefix + "composite.composite_sub_policy", depth,
                   problems);
      double total = 0;
      for (std::size_t i = 0; i < composite.rate_allocation.size(); ++i) {
        const auto& allocation = composite.rate_allocation[i];
        const std::string item = "composite.rate_allocation[" + std::to_string(i) + "]";
        bool known = false;
        for (const auto& sub : composite.composite_sub_policy) {
          known = known || sub.name == allocation.policy;
        }
        if (!known) {
          add(problems, prefix, item + ".policy",
              "names no sub-policy of this composite: \"" + allocation.policy + "\"");
        }
        if (!(allocation.percent >= 0 && allocation.percent <= 100)) {
          add(problems, prefix, item + ".percent", "must be in [0, 100]");
        }
        total += allocation.percent;
      }
      if (total > 100.0 + 1e-9) {
        add(problems, prefix, "composite.rate_allocation", "percentages add up to more than 100");
      }
      break;
    }
  }
}

PolicyConfig named(std::string name, PolicyType type) {
  PolicyConfig policy;
  policy.name = std::move(name);
  policy.type = type;
  return policy;
}

}  // namespace

std::string_view policyTypeName(PolicyType type) noexcept {
  const auto index = static_cast<std::size_t>(type);
  return index < kPolicyTypeNames.size() ? kPolicyTypeNames[index] : "unknown";
}

std::optional<PolicyType> parsePolicyType(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kPolicyTypeNames.size(); ++i) {
    if (kPolicyTypeNames[i] == name) {
      return static_cast<PolicyType>(i);
    }
  }
  return std::nullopt;
}

std::string_view policyActionName(PolicyAction action) noexcept {
  return action == PolicyAction::kDrop ? "drop" : "keep";
}

std::string_view latencyScopeName(LatencyScope scope) noexcept {
  switch (scope) {
    case LatencyScope::kTrace:
      return "trace";
    case LatencyScope::kRoot:
      return "root";
    case LatencyScope::kAnySpan:
      return "any_span";
  }
  return "unknown";
}

std::string_view nameScopeName(NameScope scope) noexcept {
  return scope == NameScope::kRoot ? "root" : "any";
}

ConfigProblems PolicyConfig::validate() const {
  ConfigProblems problems;
  validatePolicy(*this, "", false, 0, problems);
  return problems;
}

std::vector<PolicyConfig> defaultPolicies() {
  std::vector<PolicyConfig> policies;
  policies.push_back(named("errors", PolicyType::kStatusCode));
  policies.push_back(named("error-logs", PolicyType::kSeverity));
  PolicyConfig slow = named("slow", PolicyType::kLatency);
  slow.latency.threshold_ms = 1000;
  policies.push_back(std::move(slow));
  policies.push_back(named("adaptive", PolicyType::kAdaptive));
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
    const std::string item = "policies[" + std::to_string(i) + "]";
    if (!policies[i].name.empty() && !names.insert(policies[i].name).second) {
      problems.push_back({item + ".name", "duplicate policy name \"" + policies[i].name + "\""});
    }
    if (policies[i].name == "no_match") {
      problems.push_back({item + ".name", "\"no_match\" is reserved for traces no policy matched"});
    }
    validatePolicy(policies[i], item + ".", false, 0, problems);
  }
  return problems;
}

std::optional<std::uint8_t> parseSeverity(std::string_view text) noexcept {
  if (text.empty()) {
    return std::nullopt;
  }
  if (std::isdigit(static_cast<unsigned char>(text.front()))) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 24) {
      return std::nullopt;
    }
    return static_cast<std::uint8_t>(value);
  }
  // A trailing digit 1..4 selects within the range ("ERROR2" = 18).
  unsigned offset = 0;
  if (text.size() > 1 && text.back() >= '1' && text.back() <= '4') {
    offset = static_cast<unsigned>(text.back() - '1');
    text.remove_suffix(1);
  }
  constexpr std::pair<std::string_view, unsigned> kNames[] = {
      {"trace", 1},    {"debug", 5},  {"info", 9},   {"information", 9}, {"warn", 13},
      {"warning", 13}, {"error", 17}, {"fatal", 21}, {"critical", 21},
  };
  for (const auto& [name, base] : kNames) {
    if (equalsIgnoreCase(text, name)) {
      return static_cast<std::uint8_t>(base + offset);
    }
  }
  return std::nullopt;
}

std::optional<record::Status> parseStatusCode(std::string_view text) noexcept {
  if (equalsIgnoreCase(text, "error")) {
    return record::Status::kError;
  }
  if (equalsIgnoreCase(text, "ok")) {
    return record::Status::kOk;
  }
  if (equalsIgnoreCase(text, "unset")) {
    return record::Status::kUnset;
  }
  return std::nullopt;
}

}  // namespace stitch::sampling
