#include "core/decode/decode_metrics.h"

#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/core/decode/decode_test_util.h"

using namespace stitch;
using namespace stitch::decode;
using stitch::decode::test::DecodeFixture;

TEST_CASE("DecodeMetrics exports a batch's counters under stable names and labels",
          "[decode][metrics]") {
  metrics::Registry registry;
  DecodeMetrics decode_metrics(registry, {{"transport", "tcp"}});
  DecodeFixture fx;
  const DecodeOutput out = fx.batch(
      R"({"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","ts":"bad"})"
      "\n\n"
      R"({"traceparent":"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})"
      "\nnot json\n");
  decode_metrics.add(out.stats);
  decode_metrics.add(out.stats);  // counters accumulate across batches
  const metrics::Labels tcp = {{"transport", "tcp"}};
  const auto with = [&tcp](std::string key, std::string value) {
    metrics::Labels labels = tcp;
    labels.emplace_back(std::move(key), std::move(value));
    return labels;
  };
  CHECK(registry.valueOf("stitch_decode_lines_total", tcp) == 6);
  CHECK(registry.valueOf("stitch_decode_blank_lines_total", tcp) == 2);
  CHECK(registry.valueOf("stitch_decode_records_total", with("format", "canonical")) == 4);
  CHECK(registry.valueOf("stitch_decode_outcomes_total", with("outcome", "traced")) == 2);
  CHECK(registry.valueOf("stitch_decode_outcomes_total", with("outcome", "kept_untraced")) == 2);
  CHECK(registry.valueOf("stitch_decode_outcomes_total", with("outcome", "dropped")) == 2);
  CHECK(registry.valueOf("stitch_decode_errors_total", with("reason", "malformed_json")) == 2);
  CHECK(registry.valueOf("stitch_decode_untraced_total", with("reason", "invalid_traceparent")) ==
        2);
  CHECK(registry.valueOf("stitch_decode_traceparent_errors_total",
                         with("reason", "forbidden_version")) == 2);
  CHECK(registry.valueOf("stitch_decode_timestamp_problems_total", with("reason", "bad")) == 2);
  CHECK(registry.valueOf("stitch_decode_timestamp_problems_total", with("reason", "missing")) == 2);
  const std::string text = registry.renderPrometheus();
  CHECK_THAT(text, Catch::Contains(
                       "stitch_decode_errors_total{transport=\"tcp\",reason=\"too_large\"} 0\n"));
}
