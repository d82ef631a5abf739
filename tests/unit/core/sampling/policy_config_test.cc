#include "core/sampling/policy_config.h"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "core/sampling/sampling_config.h"

using namespace stitch;
using namespace stitch::sampling;

namespace {

bool hasProblem(const ConfigProblems& problems, std::string_view path) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const ConfigProblem& p) { return p.path == path; });
}

}  // namespace

TEST_CASE("the default tail config is valid and keeps errors, slow traces and a generous rest",
          "[sampling][config]") {
  const TailSamplingConfig config;
  CHECK(checkTailSampling(config).empty());
  REQUIRE(config.policies.size() == 4);
  CHECK(config.policies[0].type() == PolicyType::kStatusCode);
  CHECK(config.policies[1].type() == PolicyType::kSeverity);
  CHECK(config.policies[2].type() == PolicyType::kLatency);
  REQUIRE(config.policies[3].type() == PolicyType::kAdaptive);
  CHECK(std::get<AdaptiveRule>(config.policies[3].rule).adaptive.initial_probability == 1.0);
  CHECK(SamplingConfig{}.check().empty());
}

TEST_CASE("checkTailSampling reports every problem with its path", "[sampling][config]") {
  TailSamplingConfig config;
  config.decision_wait = std::chrono::milliseconds(0);
  LatencyRule latency;
  latency.latency.threshold_ms = -1;
  StringAttributeRule regex;
  regex.string_attribute.key = std::string(1, 'k');
  regex.string_attribute.values = {std::string("(unclosed")};
  regex.string_attribute.enabled_regex_matching = true;
  AndRule nested;
  nested.and_policy.and_sub_policy = {makePolicy("", AlwaysSampleRule{}, PolicyAction::kDrop)};
  CompositeRule composite;
  composite.composite.max_total_spans_per_second = 10;
  composite.composite.composite_sub_policy = {makePolicy("s", AlwaysSampleRule{})};
  composite.composite.rate_allocation = {{"missing", 50}, {"s", 60}};
  NotRule negated;
  negated.not_policy.not_sub_policy =
      makePolicy("inner", ProbabilisticRule{{.sampling_percentage = 101}});
  config.policies = {makePolicy("slow", latency),    makePolicy("slow", AlwaysSampleRule{}),
                     makePolicy("bad-regex", regex), makePolicy("outer", nested),
                     makePolicy("c", composite),     makePolicy("n", negated)};

  const ConfigProblems problems = checkTailSampling(config);
  CHECK(hasProblem(problems, "decision_wait"));
  CHECK(hasProblem(problems, "policies[0].latency.threshold_ms"));
  CHECK(hasProblem(problems, "policies[1].name"));
  CHECK(hasProblem(problems, "policies[2].string_attribute.values[0]"));
  CHECK(hasProblem(problems, "policies[3].and.and_sub_policy[0].name"));
  CHECK(hasProblem(problems, "policies[3].and.and_sub_policy[0].action"));
  CHECK(hasProblem(problems, "policies[4].composite.rate_allocation[0].policy"));
  CHECK(hasProblem(problems, "policies[4].composite.rate_allocation"));
  CHECK(hasProblem(problems, "policies[5].not.not_sub_policy.probabilistic.sampling_percentage"));
  // Each struct's own validate() checks only itself (the config loader walks the tree).
  CHECK(config.validate().size() == 2);
}

TEST_CASE("an empty policy list is refused rather than dropping everything", "[sampling][config]") {
  TailSamplingConfig config;
  config.policies.clear();
  CHECK(hasProblem(config.validate(), "policies"));
}

TEST_CASE("SamplingConfig::check prefixes problems with their section", "[sampling][config]") {
  SamplingConfig config;
  config.head.probability = 0;
  config.decision_cache.max_entries = 0;
  config.tail.policies[0].name.clear();
  const ConfigProblems problems = config.check();
  CHECK(hasProblem(problems, "head.probability"));
  CHECK(hasProblem(problems, "decision_cache.max_entries"));
  CHECK(hasProblem(problems, "tail.policies[0].name"));
}

TEST_CASE("policy types are named like the Collector's and follow the rule alternatives",
          "[sampling][config]") {
  CHECK(policyTypeName(PolicyType::kRateLimiting) == "rate_limiting");
  CHECK(policyTypeName(PolicyType::kStringAttribute) == "string_attribute");
  CHECK(makePolicy("x", CompositeRule{}).type() == PolicyType::kComposite);
  CHECK(makePolicy("x", NotRule{}).type() == PolicyType::kNot);
  CHECK(PolicyConfig{}.type() == PolicyType::kAlwaysSample);
}
