#include "core/sampling/head_sampler.h"

#include <cmath>
#include <string>
#include <utility>

#include "core/tracecontext/traceparent.h"

namespace stitch::sampling {

ConfigProblems HeadSamplingConfig::validate() const {
  ConfigProblems problems;
  if (!(probability >= kMinProbability && probability <= 1.0)) {
    problems.push_back({"probability",
                        "must be in [2^-56, 1] (1 keeps every trace; to keep none, use a tail "
                        "policy of type never_sample)"});
  }
  if (threshold_precision < 0 || threshold_precision > kThresholdHexDigits) {
    problems.push_back(
        {"threshold_precision", "must be in [0, 14] hex digits (0: full precision)"});
  }
  return problems;
}

std::string_view headVerdictName(HeadVerdict verdict) noexcept {
  switch (verdict) {
    case HeadVerdict::kKept:
      return "kept";
    case HeadVerdict::kUntraced:
      return "untraced";
    case HeadVerdict::kDroppedSampledFlag:
      return "dropped_sampled_flag";
    case HeadVerdict::kDroppedProbability:
      return "dropped_probability";
    case HeadVerdict::kDroppedTracestateThreshold:
      return "dropped_tracestate_threshold";
  }
  return "unknown";
}

HeadSampler::HeadSampler(const HeadSamplingConfig& config) noexcept
    : config_(config),
      threshold_(probabilityToThreshold(config.probability, config.threshold_precision)) {}

HeadVerdict HeadSampler::decide(const record::Record& record) const noexcept {
  if (!record.hasTraceContext()) {
    return HeadVerdict::kUntraced;
  }
  if (config_.respect_sampled_flag && (record.flags & record::flag::kHasTraceFlags) != 0 &&
      (record.trace_flags & tracecontext::kFlagSampled) == 0) {
    return HeadVerdict::kDroppedSampledFlag;
  }
  if (threshold_ == kAlwaysSample &&
      (record.tracestate.empty() || !config_.respect_tracestate_threshold)) {
    return HeadVerdict::kKept;  // the common case: no tracestate to read, nothing to compare
  }
  std::uint64_t randomness = record.trace_id.randomness();
  Threshold upstream = kAlwaysSample;
  if (!record.tracestate.empty()) {
    const OtelTracestate ot = parseOtelTracestate(record.tracestateText());
    if (ot.randomness) {
      randomness = *ot.randomness;
    }
    if (ot.threshold && config_.respect_tracestate_threshold) {
      upstream = *ot.threshold;
    }
  }
  if (!shouldSample(randomness, threshold_)) {
    return HeadVerdict::kDroppedProbability;
  }
  if (!shouldSample(randomness, upstream)) {
    return HeadVerdict::kDroppedTracestateThreshold;
  }
  return HeadVerdict::kKept;
}

void HeadSampler::filter(record::RecordBatch& batch,
                         HeadCounts& counts,
                         record::RecordBatch* dropped) const {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i]) {
      continue;  // a moved-from slot carries nothing to count
    }
    const HeadVerdict verdict = decide(*batch[i]);
    ++counts[verdict];
    if (isDropped(verdict)) {
      if (dropped != nullptr) {
        dropped->push_back(std::move(batch[i]));
      }
      batch[i].reset();
      continue;
    }
    if (kept != i) {
      batch[kept] = std::move(batch[i]);
    }
    ++kept;
  }
  batch.resize(kept);
}

HeadSamplerMetrics::HeadSamplerMetrics(metrics::Registry& registry) {
  for (std::size_t i = 0; i < kHeadVerdictCount; ++i) {
    counters_[i] =
        &registry.counter("stitch_sampling_head_records_total",
                          "Records seen by head sampling, by result (kept, untraced, dropped_...)",
                          {{"result", std::string(headVerdictName(static_cast<HeadVerdict>(i)))}});
  }
}

void HeadSamplerMetrics::add(HeadCounts& counts) noexcept {
  for (std::size_t i = 0; i < kHeadVerdictCount; ++i) {
    if (counts.records[i] != 0) {
      counters_[i]->add(counts.records[i]);
      counts.records[i] = 0;
    }
  }
}

}  // namespace stitch::sampling
