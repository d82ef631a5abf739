#include "core/sampling/policy_config.h"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "core/sampling/sampling_config.h"

using namespace stitch;
using namespace stitch::sampling;

namespace {

PolicyConfig named(std::string name, PolicyType type) {
  PolicyConfig config;
  config.name = std::move(name);
  config.type = type;
  return config;
}

bool hasProblem(const ConfigProblems& problems, std::string_view path) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const ConfigProblem& p) { return p.path == path; });
}

}  // namespace

TEST_CASE("the default tail config is valid and keeps errors, slow traces and a generous rest",
          "[sampling][config]") {
  const TailSamplingConfig config;
  CHECK(config.validate().empty());
  REQUIRE(config.policies.size() == 4);
  CHECK(config.policies[0].type == PolicyType::kStatusCode);
  CHECK(config.policies[1].type == PolicyType::kSeverity);
  CHECK(config.policies[2].type == PolicyType::kLatency);
  CHECK(config.policies[3].type == PolicyType::kAdaptive);
  CHECK(config.policies[3].adaptive.initial_probability == 1.0);
  CHECK(SamplingConfig{}.validate().empty());
}

TEST_CASE("TailSamplingConfig reports every problem with its path", "[sampling][config]") {
  TailSamplingConfig config;
  config.decision_wait = std::chrono::milliseconds(0);
  PolicyConfig latency = named("slow", PolicyType::kLatency);
  latency.latency.threshold_ms = -1;
  PolicyConfig duplicate = named("slow", PolicyType::kAlwaysSample);
  PolicyConfig regex = named("bad-regex", PolicyType::kStringAttribute);
  regex.string_attribute.key = std::string(1, 'k');
  regex.string_attribute.values = {std::string("(unclosed")};
  regex.string_attribute.enabled_regex_matching = true;
  PolicyConfig nested = named("outer", PolicyType::kAnd);
  PolicyConfig inner = named("", PolicyType::kAlwaysSample);
  inner.action = PolicyAction::kDrop;
  nested.and_policy.and_sub_policy = {inner};
  PolicyConfig composite = named("c", PolicyType::kComposite);
  composite.composite.max_total_spans_per_second = 10;
  composite.composite.composite_sub_policy = {named("s", PolicyType::kAlwaysSample)};
  composite.composite.rate_allocation = {{"missing", 50}, {"s", 60}};
  config.policies = {latency, duplicate, regex, nested, composite};

  const ConfigProblems problems = config.validate();
  CHECK(hasProblem(problems, "decision_wait"));
  CHECK(hasProblem(problems, "policies[0].latency.threshold_ms"));
  CHECK(hasProblem(problems, "policies[1].name"));
  CHECK(hasProblem(problems, "policies[2].string_attribute.values[0]"));
  CHECK(hasProblem(problems, "policies[3].and.and_sub_policy[0].name"));
  CHECK(hasProblem(problems, "policies[3].and.and_sub_policy[0].action"));
  CHECK(hasProblem(problems, "policies[4].composite.rate_allocation[0].policy"));
  CHECK(hasProblem(problems, "policies[4].composite.rate_allocation"));
}

TEST_CASE("an empty policy list is refused rather than dropping everything", "[sampling][config]") {
  TailSamplingConfig config;
  config.policies.clear();
  CHECK(hasProblem(config.validate(), "policies"));
}

TEST_CASE("SamplingConfig prefixes problems with their section", "[sampling][config]") {
  SamplingConfig config;
  config.head.probability = 0;
  config.decision_cache.max_entries = 0;
  config.tail.policies[0].name.clear();
  const ConfigProblems problems = config.validate();
  CHECK(hasProblem(problems, "head.probability"));
  CHECK(hasProblem(problems, "decision_cache.max_entries"));
  CHECK(hasProblem(problems, "tail.policies[0].name"));
}

TEST_CASE("policy type names round-trip and match the Collector's", "[sampling][config]") {
  for (std::size_t i = 0; i < kPolicyTypeCount; ++i) {
    const auto type = static_cast<PolicyType>(i);
    CHECK(parsePolicyType(policyTypeName(type)) == type);
  }
  CHECK(parsePolicyType("rate_limiting") == PolicyType::kRateLimiting);
  CHECK(parsePolicyType("string_attribute") == PolicyType::kStringAttribute);
  CHECK_FALSE(parsePolicyType("ottl_condition"));
}

TEST_CASE("parseSeverity reads OpenTelemetry severity names and numbers", "[sampling][config]") {
  CHECK(parseSeverity("ERROR") == 17);
  CHECK(parseSeverity("error") == 17);
  CHECK(parseSeverity("ERROR3") == 19);
  CHECK(parseSeverity("warning") == 13);
  CHECK(parseSeverity("FATAL") == 21);
  CHECK(parseSeverity("TRACE") == 1);
  CHECK(parseSeverity("24") == 24);
  CHECK_FALSE(parseSeverity("25"));
  CHECK_FALSE(parseSeverity("LOUD"));
  CHECK(parseStatusCode("ERROR") == record::Status::kError);
  CHECK_FALSE(parseStatusCode("FAILED"));
}
