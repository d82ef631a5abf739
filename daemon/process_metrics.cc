#include "daemon/process_metrics.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

namespace stitch::daemon {
namespace {

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

double cpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) {
    return 0;
  }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// /proc/self/statm: total program size and resident set, in pages.
struct Statm {
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

Statm readStatm() {
  Statm out;
  std::FILE* f = std::fopen("/proc/self/statm", "re");
  if (f == nullptr) {
    return out;
  }
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (std::fscanf(f, "%llu %llu", &size, &resident) == 2) {
    const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
    out.virtual_bytes = static_cast<double>(size) * page;
    out.resident_bytes = static_cast<double>(resident) * page;
  }
  std::fclose(f);
  return out;
}

double openFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 0;
  }
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

double maxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return 0;
  }
  return static_cast<double>(limit.rlim_cur);
}

// Seconds since the epoch at which this process started: its start in clock ticks after boot
// (/proc/self/stat, field 22) plus the boot time (/proc/stat, btime); now when unreadable.
double startTimeSeconds() {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::FILE* stat = std::fopen("/proc/self/stat", "re");
  if (stat == nullptr) {
    return now;
  }
  char line[1024];
  const bool read = std::fgets(line, sizeof line, stat) != nullptr;
  std::fclose(stat);
  // Field 2 is the command name in parentheses and may hold spaces: count from the last ')'.
  const char* after = read ? std::strrchr(line, ')') : nullptr;
  unsigned long long start_ticks = 0;
  if (after == nullptr ||
      std::sscanf(
          after + 1,
          " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
          &start_ticks) != 1) {
    return now;
  }
  std::FILE* boot = std::fopen("/proc/stat", "re");
  if (boot == nullptr) {
    return now;
  }
  unsigned long long btime = 0;
  while (std::fgets(line, sizeof line, boot) != nullptr) {
    if (std::sscanf(line, "btime %llu", &btime) == 1) {
      break;
    }
  }
  std::fclose(boot);
  const long ticks = sysconf(_SC_CLK_TCK);
  if (btime == 0 || ticks <= 0) {
    return now;
  }
  return static_cast<double>(btime) + static_cast<double>(start_ticks) / static_cast<double>(ticks);
}

}  // namespace

void registerProcessMetrics(metrics::Registry& registry) {
  registry.counterCallback("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.", {}, cpuSeconds);
  registry.gaugeCallback("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                         [] { return readStatm().resident_bytes; });
  registry.gaugeCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                         [] { return readStatm().virtual_bytes; });
  registry.gaugeCallback("process_open_fds", "Number of open file descriptors.", {}, openFds);
  registry.gaugeCallback("process_max_fds", "Maximum number of open file descriptors.", {}, maxFds);
  const double start = startTimeSeconds();
  registry.gaugeCallback("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.", {},
                         [start] { return start; });
}

}  // namespace stitch::daemon
