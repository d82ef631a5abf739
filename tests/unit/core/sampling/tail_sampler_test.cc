#include "core/sampling/tail_sampler.h"

#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::sampling;
using namespace stitch::test;
using record::RecordBatch;
using trace::Decision;

namespace {

// Access to a policy's parameters by rule type, for tests that tweak them.
template <class Rule>
Rule& ruleOf(PolicyConfig& policy) {
  return std::get<Rule>(policy.rule);
}

// A tail sampler over a fixed policy list, deciding record batches at a manual time.
class Harness {
public:
  explicit Harness(std::vector<PolicyConfig> policies, std::size_t shards = 1) {
    config_.policies = std::move(policies);
    REQUIRE(checkTailSampling(config_).empty());
    sampler_ = std::make_unique<TailSampler>(config_, &lookup_, shards, clock.now());
  }
  TailVerdict decide(const RecordBatch& records) {
    const TraceFacts facts = builder_.build(records.front()->trace_id, records);
    return sampler_->decide(facts, clock.now());
  }
  // "keep:name" / "drop:name".
  std::string outcome(const RecordBatch& records) {
    const TailVerdict verdict = decide(records);
    return std::string(trace::decisionName(verdict.decision)) + ":" +
           sampler_->policyName(verdict.policy);
  }
  TailSampler& sampler() { return *sampler_; }
  ManualClock clock;

private:
  TailSamplingConfig config_;
  FlatJsonAttributes lookup_;
  std::unique_ptr<TailSampler> sampler_;
  TraceFactsBuilder builder_;
};

RecordBatch one(RecordSpec spec) {
  if (!spec.trace.isValid()) {
    spec.trace = traceId("0af7651916cd43dd8448eb211c80319c");
  }
  if (!spec.span.isValid()) {
    spec.span = SpanId{1};
  }
  RecordBatch batch;
  batch.push_back(makeRecord(spec));
  return batch;
}

RecordBatch spans(std::initializer_list<std::pair<std::int64_t, std::int64_t>> start_duration,
                  const TraceId& trace = traceId("0af7651916cd43dd8448eb211c80319c")) {
  RecordBatch batch;
  std::uint64_t id = 1;
  for (const auto& [start, duration] : start_duration) {
    batch.push_back(makeSpan(trace, id, id == 1 ? 0 : 1, start, duration, "svc", "op"));
    ++id;
  }
  return batch;
}

}  // namespace

TEST_CASE("always_sample keeps and never_sample matches nothing", "[sampling][tail]") {
  Harness keep({makePolicy("all", AlwaysSampleRule{})});
  CHECK(keep.outcome(spans({{0, 1}})) == "keep:all");
  Harness never({makePolicy("none", NeverSampleRule{})});
  CHECK(never.outcome(spans({{0, 1}})) == "drop:no_match");
}

TEST_CASE("latency compares the trace, root or longest span duration", "[sampling][tail]") {
  // Root 0..100ms; a child from 150 to 400 (an async tail): trace 400ms, longest span 250ms.
  const RecordBatch trace = spans({{0, 100}, {150, 250}});
  const auto latency = [](LatencyScope scope, std::int64_t threshold, std::int64_t upper = 0) {
    LatencyRule rule;
    rule.latency.threshold_ms = threshold;
    rule.latency.upper_threshold_ms = upper;
    rule.latency.scope = scope;
    return makePolicy("slow", rule);
  };
  CHECK(Harness({latency(LatencyScope::kTrace, 400)}).outcome(trace) == "keep:slow");
  CHECK(Harness({latency(LatencyScope::kTrace, 401)}).outcome(trace) == "drop:no_match");
  CHECK(Harness({latency(LatencyScope::kRoot, 100)}).outcome(trace) == "keep:slow");
  CHECK(Harness({latency(LatencyScope::kRoot, 101)}).outcome(trace) == "drop:no_match");
  CHECK(Harness({latency(LatencyScope::kAnySpan, 250)}).outcome(trace) == "keep:slow");
  CHECK(Harness({latency(LatencyScope::kAnySpan, 251)}).outcome(trace) == "drop:no_match");
  CHECK(Harness({latency(LatencyScope::kTrace, 100, 300)}).outcome(trace) == "drop:no_match");
  CHECK(Harness({latency(LatencyScope::kTrace, 100, 400)}).outcome(trace) == "keep:slow");

  // Without a root span a root-scoped latency cannot match.
  RecordBatch orphan;
  orphan.push_back(makeSpan(traceId("0af7651916cd43dd8448eb211c80319c"), 2, 1, 0, 5000));
  CHECK(Harness({latency(LatencyScope::kRoot, 1)}).outcome(orphan) == "drop:no_match");
}

TEST_CASE("status_code matches any record with a listed status", "[sampling][tail]") {
  RecordSpec spec;
  spec.status = record::Status::kError;
  Harness errors({makePolicy("errors", StatusCodeRule{})});
  CHECK(errors.outcome(one(spec)) == "keep:errors");
  spec.status = record::Status::kOk;
  CHECK(errors.outcome(one(spec)) == "drop:no_match");
  StatusCodeRule ok;
  ok.status_code.status_codes = {record::Status::kOk, record::Status::kUnset};
  CHECK(Harness({makePolicy("ok", ok)}).outcome(one(spec)) == "keep:ok");
}

TEST_CASE("severity matches any record at or above the level", "[sampling][tail]") {
  SeverityRule warn;
  warn.severity.min_severity = SeverityLevel::kWarn;
  Harness harness({makePolicy("warnings", warn)});
  RecordSpec spec;
  spec.severity = 9;
  CHECK(harness.outcome(one(spec)) == "drop:no_match");
  spec.severity = 13;
  CHECK(harness.outcome(one(spec)) == "keep:warnings");
  spec.severity = 21;
  CHECK(harness.outcome(one(spec)) == "keep:warnings");
}

TEST_CASE("string_attribute matches exact values, regexes and inverts", "[sampling][tail]") {
  RecordSpec spec;
  spec.attributes = R"({"http.route":"/api/v1/cart/{id}","retry":2,"cache.hit":true})";
  StringAttributeRule exact;
  exact.string_attribute.key = "http.route";
  exact.string_attribute.values = {"/api/v1/cart/{id}", "/login"};
  CHECK(Harness({makePolicy("route", exact)}).outcome(one(spec)) == "keep:route");
  exact.string_attribute.values = {"/login"};
  CHECK(Harness({makePolicy("route", exact)}).outcome(one(spec)) == "drop:no_match");
  exact.string_attribute.invert_match = true;
  CHECK(Harness({makePolicy("route", exact)}).outcome(one(spec)) == "keep:route");

  StringAttributeRule regex;
  regex.string_attribute.key = "http.route";
  regex.string_attribute.values = {"^/api/v[0-9]+/cart"};
  regex.string_attribute.enabled_regex_matching = true;
  CHECK(Harness({makePolicy("carts", regex)}).outcome(one(spec)) == "keep:carts");
  regex.string_attribute.key = "retry";  // a number is not a string
  CHECK(Harness({makePolicy("carts", regex)}).outcome(one(spec)) == "drop:no_match");
}

TEST_CASE("numeric_attribute matches an inclusive range", "[sampling][tail]") {
  RecordSpec spec;
  spec.attributes = R"({"retry":2,"http.route":"/a"})";
  NumericAttributeRule numeric;
  numeric.numeric_attribute.key = "retry";
  numeric.numeric_attribute.min_value = 2;
  CHECK(Harness({makePolicy("retries", numeric)}).outcome(one(spec)) == "keep:retries");
  numeric.numeric_attribute.min_value = 3;
  CHECK(Harness({makePolicy("retries", numeric)}).outcome(one(spec)) == "drop:no_match");
  numeric.numeric_attribute.min_value.reset();
  numeric.numeric_attribute.max_value = 2;
  CHECK(Harness({makePolicy("retries", numeric)}).outcome(one(spec)) == "keep:retries");
  numeric.numeric_attribute.key = "http.route";
  CHECK(Harness({makePolicy("retries", numeric)}).outcome(one(spec)) == "drop:no_match");
}

TEST_CASE("boolean_attribute matches the configured value", "[sampling][tail]") {
  RecordSpec spec;
  spec.attributes = R"({"app.force_sample":true})";
  BooleanAttributeRule flag;
  flag.boolean_attribute.key = "app.force_sample";
  CHECK(Harness({makePolicy("force", flag)}).outcome(one(spec)) == "keep:force");
  flag.boolean_attribute.value = false;
  CHECK(Harness({makePolicy("force", flag)}).outcome(one(spec)) == "drop:no_match");
  spec.attributes = R"({"app.force_sample":"true"})";  // a string is not a bool
  flag.boolean_attribute.value = true;
  CHECK(Harness({makePolicy("force", flag)}).outcome(one(spec)) == "drop:no_match");
}

TEST_CASE("service_name and operation_name match any record or the root", "[sampling][tail]") {
  const TraceId trace = traceId("0af7651916cd43dd8448eb211c80319c");
  RecordBatch records;
  records.push_back(makeSpan(trace, 1, 0, 0, 100, "gateway", "GET /healthz"));
  records.push_back(makeSpan(trace, 2, 1, 1, 10, "cart", "SELECT"));
  ServiceNameRule service;
  service.service_name.values = {"cart"};
  CHECK(Harness({makePolicy("cart", service)}).outcome(records) == "keep:cart");
  service.service_name.scope = NameScope::kRoot;
  CHECK(Harness({makePolicy("cart", service)}).outcome(records) == "drop:no_match");
  service.service_name.values = {"gate.*"};
  service.service_name.enabled_regex_matching = true;
  CHECK(Harness({makePolicy("cart", service)}).outcome(records) == "keep:cart");

  OperationNameRule operation;
  operation.operation_name.values = {"GET /healthz"};
  operation.operation_name.scope = NameScope::kRoot;
  CHECK(Harness({makePolicy("health", operation)}).outcome(records) == "keep:health");
  operation.operation_name.invert_match = true;
  CHECK(Harness({makePolicy("health", operation)}).outcome(records) == "drop:no_match");
}

TEST_CASE("span_count counts distinct span ids within bounds", "[sampling][tail]") {
  const TraceId trace = traceId("0af7651916cd43dd8448eb211c80319c");
  RecordBatch records;
  records.push_back(makeSpan(trace, 1, 0, 0, 100));
  records.push_back(makeEvent(trace, 1, 0, 5));  // same span
  records.push_back(makeEvent(trace, 2, 1, 6));  // a synthetic span
  records.push_back(makeSpan(trace, 3, 1, 1, 10));
  SpanCountRule count;
  count.span_count.min_spans = 3;
  count.span_count.max_spans = 3;
  CHECK(Harness({makePolicy("big", count)}).outcome(records) == "keep:big");
  count.span_count.min_spans = 4;
  count.span_count.max_spans = 0;
  CHECK(Harness({makePolicy("big", count)}).outcome(records) == "drop:no_match");
}

TEST_CASE("trace_state matches a member's value on any record", "[sampling][tail]") {
  RecordSpec spec;
  spec.tracestate = "congo=t61rcWkgMzE, tenant@vendor=gold";
  TraceStateRule state;
  state.trace_state.key = "tenant@vendor";
  state.trace_state.values = {"gold", "platinum"};
  CHECK(Harness({makePolicy("gold", state)}).outcome(one(spec)) == "keep:gold");
  spec.tracestate = "tenant@vendor=silver";
  CHECK(Harness({makePolicy("gold", state)}).outcome(one(spec)) == "drop:no_match");
}

TEST_CASE("probabilistic keeps exactly the traces with R >= T", "[sampling][tail]") {
  ProbabilisticRule probabilistic;
  probabilistic.probabilistic.sampling_percentage = 10;
  Harness harness({makePolicy("ten-percent", probabilistic)});
  const Threshold threshold = probabilityToThreshold(0.1);
  std::mt19937_64 rng(1);
  int kept = 0;
  for (int i = 0; i < 5000; ++i) {
    const TraceId trace{rng() | 1, rng()};
    const bool keep = harness.decide(spans({{0, 1}}, trace)).decision == Decision::kKeep;
    CHECK(keep == shouldSample(trace.randomness(), threshold));
    kept += keep;
  }
  CHECK(kept == Approx(500).epsilon(0.15));

  probabilistic.probabilistic.sampling_percentage = 0;
  CHECK(Harness({makePolicy("none", probabilistic)}).outcome(spans({{0, 1}}, TraceId{1, ~0ULL})) ==
        "drop:no_match");
}

TEST_CASE("probabilistic reads an explicit rv from tracestate", "[sampling][tail]") {
  ProbabilisticRule probabilistic;
  probabilistic.probabilistic.sampling_percentage = 50;
  Harness harness({makePolicy("half", probabilistic)});
  RecordSpec spec;
  spec.trace = traceWithRandomness(1, 0);  // R = 0 from the id: dropped
  CHECK(harness.outcome(one(spec)) == "drop:no_match");
  spec.tracestate = "ot=rv:ffffffffffffff";
  CHECK(harness.outcome(one(spec)) == "keep:half");
}

TEST_CASE("rate_limiting keeps traces per second with a token bucket", "[sampling][tail]") {
  RateLimitingRule limit;
  limit.rate_limiting.traces_per_second = 5;
  Harness harness({makePolicy("rate", limit)});
  int kept = 0;
  for (int i = 0; i < 20; ++i) {
    kept += harness.decide(spans({{0, 1}})).decision == Decision::kKeep;
  }
  CHECK(kept == 5);  // the burst: one second of rate
  harness.clock.advance(std::chrono::milliseconds(200));
  CHECK(harness.outcome(spans({{0, 1}})) == "keep:rate");
  CHECK(harness.outcome(spans({{0, 1}})) == "drop:no_match");
  harness.clock.advance(std::chrono::seconds(10));
  kept = 0;
  for (int i = 0; i < 20; ++i) {
    kept += harness.decide(spans({{0, 1}})).decision == Decision::kKeep;
  }
  CHECK(kept == 5);  // refilled to capacity, not beyond
}

TEST_CASE("rate_limiting counts spans per second and splits rates over shards",
          "[sampling][tail]") {
  RateLimitingRule limit;
  limit.rate_limiting.spans_per_second = 10;
  Harness harness({makePolicy("spans", limit)});
  const RecordBatch four = spans({{0, 4}, {1, 1}, {1, 1}, {1, 1}});
  CHECK(harness.outcome(four) == "keep:spans");
  CHECK(harness.outcome(four) == "keep:spans");
  CHECK(harness.outcome(four) == "drop:no_match");  // 2 left, 4 needed

  Harness quarter({makePolicy("spans", limit)}, 4);  // 2.5 spans/s per shard, capacity 2.5
  CHECK(quarter.outcome(spans({{0, 1}, {0, 1}})) == "keep:spans");
  CHECK(quarter.outcome(spans({{0, 1}})) == "drop:no_match");
}

TEST_CASE("drop policies override keep policies wherever they are listed", "[sampling][tail]") {
  OperationNameRule healthz;
  healthz.operation_name.values = {"GET /healthz"};
  Harness harness({makePolicy("everything", AlwaysSampleRule{}),
                   makePolicy("no-healthz", healthz, PolicyAction::kDrop)});
  const TraceId trace = traceId("0af7651916cd43dd8448eb211c80319c");
  RecordBatch health;
  health.push_back(makeSpan(trace, 1, 0, 0, 1, "gateway", "GET /healthz"));
  CHECK(harness.outcome(health) == "drop:no-healthz");
  RecordBatch checkout;
  checkout.push_back(makeSpan(trace, 1, 0, 0, 1, "gateway", "POST /checkout"));
  CHECK(harness.outcome(checkout) == "keep:everything");
}

TEST_CASE("the drop type drops when all its sub-policies match", "[sampling][tail]") {
  ServiceNameRule service;
  service.service_name.values = {"gateway"};
  StringAttributeRule route;
  route.string_attribute.key = "url.path";
  route.string_attribute.values = {"/health", "/metrics"};
  DropRule drop;
  drop.drop_policy.drop_sub_policy = {makePolicy("svc", service), makePolicy("route", route)};
  Harness harness({makePolicy("all", AlwaysSampleRule{}), makePolicy("drop-probes", drop)});

  RecordSpec spec;
  spec.service = "gateway";
  spec.attributes = R"({"url.path":"/metrics"})";
  CHECK(harness.outcome(one(spec)) == "drop:drop-probes");
  spec.service = "cart";
  CHECK(harness.outcome(one(spec)) == "keep:all");
}

TEST_CASE("keep policies decide in order and the first match is recorded", "[sampling][tail]") {
  Harness harness({makePolicy("errors", StatusCodeRule{}), makePolicy("all", AlwaysSampleRule{})});
  RecordSpec spec;
  spec.status = record::Status::kError;
  CHECK(harness.outcome(one(spec)) == "keep:errors");
  spec.status = record::Status::kOk;
  CHECK(harness.outcome(one(spec)) == "keep:all");
}

TEST_CASE("and needs every sub-policy and not inverts one", "[sampling][tail]") {
  ServiceNameRule cart_rule;
  cart_rule.service_name.values = {"cart"};
  const PolicyConfig cart = makePolicy("cart", cart_rule);
  AndRule both;
  both.and_policy.and_sub_policy = {cart, makePolicy("errors", StatusCodeRule{})};
  NotRule not_cart;
  not_cart.not_policy.not_sub_policy = cart;
  Harness harness({makePolicy("cart-errors", both), makePolicy("not-cart", not_cart)});

  RecordSpec spec;
  spec.service = "cart";
  spec.status = record::Status::kError;
  CHECK(harness.outcome(one(spec)) == "keep:cart-errors");
  spec.status = record::Status::kOk;
  CHECK(harness.outcome(one(spec)) == "drop:no_match");
  spec.service = "payment";
  CHECK(harness.outcome(one(spec)) == "keep:not-cart");
}

TEST_CASE("and stops at the first failing sub-policy so a rate limit after it is not spent",
          "[sampling][tail]") {
  ServiceNameRule cart;
  cart.service_name.values = {"cart"};
  RateLimitingRule limit;
  limit.rate_limiting.traces_per_second = 1;
  AndRule limited;
  limited.and_policy.and_sub_policy = {makePolicy("cart", cart), makePolicy("one", limit)};
  Harness harness({makePolicy("cart-limited", limited)});
  RecordSpec spec;
  spec.service = "payment";
  for (int i = 0; i < 5; ++i) {
    CHECK(harness.outcome(one(spec)) == "drop:no_match");
  }
  spec.service = "cart";
  CHECK(harness.outcome(one(spec)) == "keep:cart-limited");
  CHECK(harness.outcome(one(spec)) == "drop:no_match");
}

TEST_CASE("composite allocates spans per second to its sub-policies in order", "[sampling][tail]") {
  CompositeRule composite;
  composite.composite.max_total_spans_per_second = 10;
  composite.composite.composite_sub_policy = {makePolicy("errors", StatusCodeRule{}),
                                              makePolicy("rest", AlwaysSampleRule{})};
  composite.composite.rate_allocation = {{"errors", 70}, {"rest", 30}};
  Harness harness({makePolicy("budget", composite)});

  RecordSpec error;
  error.status = record::Status::kError;
  RecordSpec fine;
  int errors_kept = 0;
  int rest_kept = 0;
  for (int i = 0; i < 20; ++i) {
    errors_kept += harness.outcome(one(error)) == "keep:budget/errors";
    rest_kept += harness.outcome(one(fine)) == "keep:budget/rest";
  }
  CHECK(errors_kept == 7);
  CHECK(rest_kept == 3);
  // An error over its allocation is not kept by "rest": the composite stops at the first match.
  CHECK(harness.outcome(one(error)) == "drop:no_match");
  harness.clock.advance(std::chrono::seconds(1));  // a new one-second window
  CHECK(harness.outcome(one(error)) == "keep:budget/errors");
}

TEST_CASE("adaptive is a keep policy that records lower-bound keeps by name", "[sampling][tail]") {
  AdaptiveRule adaptive;
  adaptive.adaptive.initial_probability = 0.5;
  adaptive.adaptive.min_traces_per_second = 1;
  Harness harness({makePolicy("adaptive", adaptive)});
  // R below the threshold: the lower bound's one token keeps it anyway, then it is spent.
  CHECK(harness.outcome(spans({{0, 1}}, traceWithRandomness(1, 1))) == "keep:adaptive:lower_bound");
  CHECK(harness.outcome(spans({{0, 1}}, traceWithRandomness(1, 2))) == "drop:no_match");
  CHECK(harness.outcome(spans({{0, 1}}, traceWithRandomness(1, 0xffffffffffffff))) ==
        "keep:adaptive");
  harness.clock.advance(std::chrono::seconds(1));
  CHECK(harness.outcome(spans({{0, 1}}, traceWithRandomness(1, 3))) == "keep:adaptive:lower_bound");
  CHECK(harness.sampler().adaptiveSnapshot()->keys.size() == 1);
}

TEST_CASE("two tail samplers decide the same trace ids the same way", "[sampling][tail]") {
  std::vector<PolicyConfig> policies = defaultPolicies();
  ProbabilisticRule probabilistic;
  probabilistic.probabilistic.sampling_percentage = 20;
  policies.insert(policies.begin() + 3, makePolicy("sample", probabilistic));
  ruleOf<AdaptiveRule>(policies.back()).adaptive.initial_probability = 0.3;
  ruleOf<AdaptiveRule>(policies.back()).adaptive.min_traces_per_second = 0;
  Harness a(policies);
  Harness b(policies);
  std::mt19937_64 rng(99);
  int kept = 0;
  for (int i = 0; i < 3000; ++i) {
    const TraceId trace{rng() | 1, rng()};
    const RecordBatch records = spans({{0, static_cast<std::int64_t>(rng() % 1200)}}, trace);
    const TailVerdict va = a.decide(records);
    const TailVerdict vb = b.decide(records);
    REQUIRE(va.decision == vb.decision);
    REQUIRE(va.policy == vb.policy);
    kept += va.decision == Decision::kKeep;
  }
  CHECK(kept > 0);
  CHECK(kept < 3000);
}
