#include "core/metrics/metrics.h"

#include <stdexcept>
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

TEST_CASE("Registry renders a counter read when scraped as a counter", "[metrics]") {
  Registry registry;
  double cpu = 1.5;
  registry.counterCallback("stitch_test_cpu_seconds_total", "CPU.", {}, [&cpu] { return cpu; });
  CHECK_THAT(registry.renderPrometheus(),
             Catch::Contains("# TYPE stitch_test_cpu_seconds_total counter\n"
                             "stitch_test_cpu_seconds_total 1.5\n"));
  cpu = 2;
  CHECK(registry.valueOf("stitch_test_cpu_seconds_total") == 2);
  // One name is one kind.
  CHECK_THROWS_AS(registry.gaugeCallback("stitch_test_cpu_seconds_total", "CPU.", {{"a", "b"}},
                                         [] { return 0.0; }),
                  std::logic_error);
}
