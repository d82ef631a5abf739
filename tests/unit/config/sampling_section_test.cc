// `assembly:` and `sampling:` in stitch.yaml: tail policies written the way the OpenTelemetry
// Collector's tail_sampling processor writes them load onto sampling::PolicyConfig.
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.h"
#include "config/config_error.h"

using stitch::config::ConfigError;
using stitch::config::loadConfigString;
using stitch::config::StitchConfig;
using namespace stitch::sampling;

namespace {

std::vector<std::string> problemsOf(const std::string& yaml) {
  try {
    (void)loadConfigString(yaml, "stitch.yaml");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const std::string& p : problems) {
    if (p.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("Collector-style tail policies load onto the sampling config", "[config][sampling]") {
  const StitchConfig c = loadConfigString(R"(
assembly:
  max_bytes: 64MiB
sampling:
  head: {probability: 0.25}
  tail:
    decision_wait: 5s
    policies:
      - {name: slow, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}}
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR, UNSET]}}
      - name: no-health
        type: drop
        drop:
          drop_sub_policy:
            - name: route
              type: string_attribute
              string_attribute: {key: url.path, values: [/health, /metrics],
                                 enabled_regex_matching: true}
      - name: team-a
        type: and
        and:
          and_sub_policy:
            - {name: svc, type: service_name, service_name: {values: [cart]}}
            - name: not-probe
              type: not
              not: {not_sub_policy: {name: probe, type: operation_name,
                                     operation_name: {values: ["GET /live"]}}}
            - {name: ten, type: probabilistic, probabilistic: {sampling_percentage: 10}}
      - name: budget
        type: composite
        composite:
          max_total_spans_per_second: 1000
          composite_sub_policy:
            - {name: big, type: span_count, span_count: {min_spans: 50}}
            - {name: rest, type: always_sample}
          rate_allocation: [{policy: big, percent: 50}]
      - {name: never-debug, type: severity, action: drop, severity: {min_severity: FATAL}}
      - {name: per-op, type: adaptive, adaptive: {target_traces_per_second: 5}}
)",
                                          "stitch.yaml");
  CHECK(c.assembly.max_bytes == 64ULL * 1024 * 1024);
  CHECK(c.sampling.head.probability == 0.25);
  CHECK(c.sampling.tail.decision_wait == std::chrono::seconds(5));
  const auto& policies = c.sampling.tail.policies;
  REQUIRE(policies.size() == 7);
  CHECK(std::get<LatencyRule>(policies[0].rule).latency.upper_threshold_ms == 10000);
  CHECK(std::get<StatusCodeRule>(policies[1].rule).status_code.status_codes.size() == 2);
  const auto& drop = std::get<DropRule>(policies[2].rule).drop_policy.drop_sub_policy;
  REQUIRE(drop.size() == 1);
  CHECK(std::get<StringAttributeRule>(drop[0].rule).string_attribute.enabled_regex_matching);
  const auto& team = std::get<AndRule>(policies[3].rule).and_policy.and_sub_policy;
  REQUIRE(team.size() == 3);
  const PolicyConfig& probe = *std::get<NotRule>(team[1].rule).not_policy.not_sub_policy;
  CHECK(probe.type() == PolicyType::kOperationName);
  CHECK(std::get<CompositeRule>(policies[4].rule).composite.rate_allocation[0].percent == 50);
  CHECK(policies[5].action == PolicyAction::kDrop);
  CHECK(std::get<SeverityRule>(policies[5].rule).severity.min_severity == SeverityLevel::kFatal);
  CHECK(std::get<AdaptiveRule>(policies[6].rule).adaptive.target_traces_per_second == 5);
  CHECK(checkTailSampling(c.sampling.tail).empty());
}

TEST_CASE("Tail policy problems are reported at their key", "[config][sampling]") {
  const auto problems = problemsOf(R"(
sampling:
  tail:
    policies:
      - {name: a, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 50}}
      - {name: a, type: probabilistic, probabilistic: {sampling_percentage: 150}}
      - {name: c, type: and, and: {and_sub_policy: [{name: d, type: always_sample, action: drop}]}}
      - {name: e, type: latncy}
)");
  CHECK(mentions(problems, "sampling.tail.policies[0].latency.upper_threshold_ms"));
  CHECK(mentions(problems, "sampling.tail.policies[1].probabilistic.sampling_percentage"));
  CHECK(mentions(problems, "sampling.tail.policies[1].name: duplicate policy name"));
  CHECK(mentions(problems, "and_sub_policy[0].action: only top-level policies have an action"));
  CHECK(mentions(problems, "sampling.tail.policies[3].type: unknown"));
}
