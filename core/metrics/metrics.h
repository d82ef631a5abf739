#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stitch::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count. Hot paths should count locally and add per batch: an
// increment is a relaxed atomic add, cheap but not free when several threads share a line.
class Counter {
public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (queue depth, bytes held).
class Gauge {
public:
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> value_{0};
};

// Owns every metric of a process and renders them in the Prometheus text exposition format
// (version 0.0.4). Registration returns a reference that stays valid for the registry's life;
// registering the same name and labels twice returns the same metric.
// Threading: registration and rendering lock; updating a metric never does.
class Registry {
public:
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // A gauge computed when scraped (e.g. a queue's depth). `read` must be thread-safe and must
  // stay callable until the registry is destroyed or removeCallbacks(owner) is called.
  void gaugeCallback(std::string_view name,
                     std::string_view help,
                     const Labels& labels,
                     std::function<double()> read,
                     const void* owner = nullptr);
  // A counter read when scraped, from a source that counts by itself (e.g. the CPU time the
  // kernel reports); `read` must never go down, and has the same rules as a gauge's.
  void counterCallback(std::string_view name,
                       std::string_view help,
                       const Labels& labels,
                       std::function<double()> read,
                       const void* owner = nullptr);
  // Drops the callbacks registered with `owner` (a component going away).
  void removeCallbacks(const void* owner);

  // Current value of a counter or gauge (callbacks included); 0 when unknown. For tests and
  // for the daemon's own summaries.
  double valueOf(std::string_view name, const Labels& labels = {}) const;
  // The sum of every series of a family (all label values); 0 when unknown.
  double sumOf(std::string_view name) const;

  std::string renderPrometheus() const;

private:
  enum class Kind { kCounter, kGauge };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::function<double()> read;
    const void* owner = nullptr;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::vector<Series> series;
  };
  Series* find(Family& family, const Labels& labels);
  Family& family(std::string_view name, std::string_view help, Kind kind);
  void addCallback(Kind kind,
                   std::string_view name,
                   std::string_view help,
                   const Labels& labels,
                   std::function<double()> read,
                   const void* owner);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// Escapes a label value for the exposition format (backslash, double quote, newline).
std::string escapeLabelValue(std::string_view value);

}  // namespace stitch::metrics
