#include "daemon/process_metrics.h"

#include <chrono>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

namespace stitch::daemon {
namespace {

double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST_CASE("Process metrics describe this process", "[metrics][process]") {
  metrics::Registry registry;
  registerProcessMetrics(registry);

  const std::string text = registry.renderPrometheus();
  CHECK_THAT(text, Catch::Contains("# TYPE process_cpu_seconds_total counter\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE process_resident_memory_bytes gauge\n"));

  // Touching 64 MiB makes the resident set grow by about that much.
  const double rss_before = registry.valueOf("process_resident_memory_bytes");
  CHECK(rss_before > 1 << 20);
  std::vector<char> block(64U << 20, 1);
  const double rss_after = registry.valueOf("process_resident_memory_bytes");
  CHECK(rss_after - rss_before > 48 << 20);
  CHECK(registry.valueOf("process_virtual_memory_bytes") >= rss_after);
  CHECK(block[block.size() / 2] == 1);

  // One more open descriptor is one more in the gauge.
  const double fds = registry.valueOf("process_open_fds");
  CHECK(fds >= 3);
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(registry.valueOf("process_open_fds") == fds + 1);
  ::close(fd);
  CHECK(registry.valueOf("process_max_fds") >= fds);

  const double cpu = registry.valueOf("process_cpu_seconds_total");
  CHECK(cpu > 0);
  CHECK(registry.valueOf("process_cpu_seconds_total") >= cpu);

  // The test binary started before this test and not days ago.
  const double started = registry.valueOf("process_start_time_seconds");
  CHECK(started <= nowSeconds());
  CHECK(started > nowSeconds() - 24 * 3600);
}

}  // namespace
}  // namespace stitch::daemon
