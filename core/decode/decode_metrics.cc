#include "core/decode/decode_metrics.h"

#include <string>

namespace stitch::decode {
namespace {

metrics::Labels with(const metrics::Labels& base, std::string key, std::string_view value) {
  metrics::Labels labels = base;
  labels.emplace_back(std::move(key), std::string(value));
  return labels;
}

}  // namespace

DecodeMetrics::DecodeMetrics(metrics::Registry& registry, const metrics::Labels& labels)
    : lines_(registry.counter(
          "stitch_decode_lines_total", "Non-blank lines handed to the decoder.", labels)),
      bytes_(registry.counter("stitch_decode_bytes_total",
                              "Bytes of the non-blank lines handed to the decoder.",
                              labels)),
      blank_lines_(registry.counter(
          "stitch_decode_blank_lines_total", "Empty or whitespace-only lines skipped.", labels)),
      conflicts_(registry.counter(
          "stitch_decode_traceparent_conflicts_total",
          "Records whose id fields disagreed with their traceparent (the traceparent won).",
          labels)) {
  constexpr std::string_view kRecords = "stitch_decode_records_total";
  constexpr std::string_view kRecordsHelp = "Lines decoded into records, by field-mapping preset.";
  for (std::size_t i = 0; i < formats_.size(); ++i) {
    formats_[i] = &registry.counter(
        kRecords, kRecordsHelp,
        with(labels, "format", record::formatName(static_cast<record::Format>(i))));
  }
  constexpr std::string_view kOutcomes = "stitch_decode_outcomes_total";
  constexpr std::string_view kOutcomesHelp =
      "What became of decoded lines: traced, kept_untraced, dropped or dead_lettered.";
  traced_ = &registry.counter(kOutcomes, kOutcomesHelp, with(labels, "outcome", "traced"));
  kept_untraced_ =
      &registry.counter(kOutcomes, kOutcomesHelp, with(labels, "outcome", "kept_untraced"));
  dropped_ = &registry.counter(kOutcomes, kOutcomesHelp, with(labels, "outcome", "dropped"));
  dead_lettered_ =
      &registry.counter(kOutcomes, kOutcomesHelp, with(labels, "outcome", "dead_lettered"));
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    errors_[i] =
        &registry.counter("stitch_decode_errors_total", "Lines that did not decode, by reason.",
                          with(labels, "reason", reasonName(static_cast<DecodeError>(i))));
  }
  for (std::size_t i = 1; i < problems_.size(); ++i) {
    problems_[i] = &registry.counter(
        "stitch_decode_untraced_total",
        "Records without a valid trace context (or with an invalid tracestate), by reason.",
        with(labels, "reason", record::problemName(static_cast<record::ContextProblem>(i))));
  }
  for (std::size_t i = 0; i < traceparent_errors_.size(); ++i) {
    traceparent_errors_[i] = &registry.counter(
        "stitch_decode_traceparent_errors_total", "traceparent fields rejected, by W3C reason.",
        with(labels, "reason",
             tracecontext::reasonName(static_cast<tracecontext::TraceparentError>(i))));
  }
  for (std::size_t i = 0; i < tracestate_errors_.size(); ++i) {
    tracestate_errors_[i] = &registry.counter(
        "stitch_decode_tracestate_errors_total",
        "tracestate fields rejected (the record keeps its context without them), by W3C reason.",
        with(labels, "reason",
             tracecontext::reasonName(static_cast<tracecontext::TracestateError>(i))));
  }
  constexpr std::string_view kTimestamps = "stitch_decode_timestamp_problems_total";
  for (std::size_t i = 0; i < tracestate_errors_.size(); ++i) {
    tracestate_errors_[i] = &registry.counter(
        "stitch_decode_tracestate_errors_total",
        "tracestate fields rejected (the record keeps its context without them), by W3C reason.",
        with(labels, "reason",
             tracecontext::reasonName(static_cast<tracecontext::TracestateError>(i))));
  }
  constexpr std::string_view kTimestampsHelp =
      "Records whose time is the receive time: no timestamp field, or a bad one.";
  timestamps_missing_ =
      &registry.counter(kTimestamps, kTimestampsHelp, with(labels, "reason", "missing"));
  timestamps_bad_ = &registry.counter(kTimestamps, kTimestampsHelp, with(labels, "reason", "bad"));
  constexpr std::string_view kInvalid = "stitch_decode_invalid_fields_total";
  constexpr std::string_view kInvalidHelp =
      "Fields ignored because their value was invalid (the record was kept).";
  durations_invalid_ = &registry.counter(kInvalid, kInvalidHelp, with(labels, "field", "duration"));
  trace_flags_invalid_ =
      &registry.counter(kInvalid, kInvalidHelp, with(labels, "field", "trace_flags"));
}

void DecodeMetrics::add(const DecodeStats& stats) noexcept {
  const auto add = [](metrics::Counter* counter, std::uint64_t n) {
    if (counter != nullptr && n != 0) {
      counter->add(n);
    }
  };
  add(&lines_, stats.lines);
  add(&bytes_, stats.bytes);
  add(&blank_lines_, stats.blank_lines);
  for (std::size_t i = 0; i < formats_.size(); ++i) {
    add(formats_[i], stats.formats[i]);
  }
  add(traced_, stats.traced);
  add(kept_untraced_, stats.kept_untraced);
  add(dropped_, stats.dropped);
  add(dead_lettered_, stats.dead_lettered);
  for (std::size_t i = 0; i < errors_.size(); ++i) {
    add(errors_[i], stats.errors[i]);
  }
  for (std::size_t i = 0; i < problems_.size(); ++i) {
    add(problems_[i], stats.context_problems[i]);
  }
  for (std::size_t i = 0; i < traceparent_errors_.size(); ++i) {
    add(traceparent_errors_[i], stats.traceparent_errors[i]);
  }
  for (std::size_t i = 0; i < tracestate_errors_.size(); ++i) {
    add(tracestate_errors_[i], stats.tracestate_errors[i]);
  }
  add(&conflicts_, stats.traceparent_conflicts);
  add(timestamps_missing_, stats.timestamps_missing);
  add(timestamps_bad_, stats.timestamps_bad);
  add(durations_invalid_, stats.durations_invalid);
  add(trace_flags_invalid_, stats.trace_flags_invalid);
}

}  // namespace stitch::decode
