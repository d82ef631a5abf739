#include "core/metrics/metrics.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::metrics;

TEST_CASE("Registry renders counters, gauges and callbacks in Prometheus text", "[metrics]") {
  Registry registry;
  registry.counter("stitch_test_records_total", "Records.", {{"transport", "tcp"}}).add(3);
  registry.counter("stitch_test_records_total", "Records.", {{"transport", "tcp"}}).add(2);
  registry.gauge("stitch_test_depth", "Depth.").set(7);
  registry.gaugeCallback("stitch_test_bytes", "Bytes.", {{"q", "a\"b"}}, [] { return 42.0; });
  const std::string text = registry.renderPrometheus();
  CHECK_THAT(text, Catch::Contains("# TYPE stitch_test_records_total counter\n"));
  CHECK_THAT(text, Catch::Contains("stitch_test_records_total{transport=\"tcp\"} 5\n"));
  CHECK_THAT(text, Catch::Contains("stitch_test_depth 7\n"));
  CHECK_THAT(text, Catch::Contains("stitch_test_bytes{q=\"a\\\"b\"} 42\n"));
  CHECK(registry.valueOf("stitch_test_records_total", {{"transport", "tcp"}}) == 5);
}
