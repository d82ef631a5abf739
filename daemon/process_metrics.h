#pragma once

#include "core/metrics/metrics.h"

namespace stitch::daemon {

// The standard process metrics every Prometheus client exports, read from the kernel when
// /metrics is scraped (Linux: getrusage, /proc/self/statm and /proc/self/fd, getrlimit):
//   process_cpu_seconds_total        user + system CPU time (counter)
//   process_resident_memory_bytes    resident set size: what the memory budget is checked on
//   process_virtual_memory_bytes     virtual memory size
//   process_open_fds, process_max_fds  open descriptors and the soft limit (RLIMIT_NOFILE)
//   process_start_time_seconds       when the process started, seconds since the Unix epoch
// A value that cannot be read (no /proc) is reported as 0 rather than failing the scrape.
void registerProcessMetrics(metrics::Registry& registry);

}  // namespace stitch::daemon
