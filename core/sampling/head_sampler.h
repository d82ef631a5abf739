#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/common/config_problem.h"
#include "core/metrics/metrics.h"
#include "core/record/record.h"
#include "core/sampling/consistent.h"

namespace stitch::sampling {

// `sampling.head` in stitch.yaml: what is dropped per record, before any buffering.
struct HeadSamplingConfig {
  // Drop records whose trace-flags are known (the record carried them) and say "not sampled".
  // Records without trace-flags are kept: a log line that never had flags was not unsampled.
  bool respect_sampled_flag = true;
  // A record whose tracestate carries `ot=th:` was sampled upstream at that threshold; when
  // true the head threshold is max(ours, theirs), so a trace the upstream sampler rejected
  // (R < th) is dropped here too and never raises its probability (OTel forbids lowering th).
  bool respect_tracestate_threshold = true;
  // Consistent probability of keeping a trace, in [2^-56, 1]; 1 keeps everything.
  double probability = 1.0;
  // Significant hex digits of the threshold derived from `probability` (OTel recommends 4).
  int threshold_precision = kDefaultThresholdPrecision;

  ConfigProblems validate() const;
  friend bool operator==(const HeadSamplingConfig&, const HeadSamplingConfig&) = default;
};

// What the head sampler did with one record. Values index HeadCounts and metric labels.
enum class HeadVerdict : std::uint8_t {
  kKept = 0,                    // passes on to its shard
  kUntraced,                    // no trace context: not the head sampler's business, passes on
  kDroppedSampledFlag,          // trace-flags known and not sampled
  kDroppedProbability,          // R < the configured threshold
  kDroppedTracestateThreshold,  // R < the upstream `ot=th` (which is above ours)
};
inline constexpr std::size_t kHeadVerdictCount = 5;
std::string_view headVerdictName(HeadVerdict verdict) noexcept;  // "kept", "dropped_sampled_flag"..
constexpr bool isDropped(HeadVerdict verdict) noexcept {
  return verdict != HeadVerdict::kKept && verdict != HeadVerdict::kUntraced;
}

// Per-caller counts (an ingest worker keeps its own and flushes them into metrics per batch).
struct HeadCounts {
  std::array<std::uint64_t, kHeadVerdictCount> records{};
  std::uint64_t& operator[](HeadVerdict verdict) noexcept {
    return records[static_cast<std::size_t>(verdict)];
  }
  std::uint64_t operator[](HeadVerdict verdict) const noexcept {
    return records[static_cast<std::size_t>(verdict)];
  }
};

// Head sampling: the upstream sampled flag and consistent probability (R >= T, R from `ot=rv`
// or the trace id's low 56 bits), per record, before a record is buffered anywhere. Every
// replica configured with the same probability keeps exactly the same traces.
// Threading: immutable after construction; one instance may be shared by every ingest worker.
class HeadSampler {
public:
  explicit HeadSampler(const HeadSamplingConfig& config) noexcept;

  HeadVerdict decide(const record::Record& record) const noexcept;

  // Removes the records that head sampling drops from `batch` (keeping the others in order)
  // and counts every record in `counts`. Dropped records are appended to `dropped` when it is
  // not null (for `dropped_trace_logs: pass_through`), else destroyed.
  void filter(record::RecordBatch& batch,
              HeadCounts& counts,
              record::RecordBatch* dropped = nullptr) const;

  Threshold threshold() const noexcept { return threshold_; }
  const HeadSamplingConfig& config() const noexcept { return config_; }

private:
  HeadSamplingConfig config_;
  Threshold threshold_;
};

// `stitch_sampling_head_records_total{result}` counters; add() flushes a worker's counts.
// Threading: add() from any thread.
class HeadSamplerMetrics {
public:
  explicit HeadSamplerMetrics(metrics::Registry& registry);
  // Adds `counts` and zeroes them.
  void add(HeadCounts& counts) noexcept;

private:
  std::array<metrics::Counter*, kHeadVerdictCount> counters_{};
};

}  // namespace stitch::sampling
