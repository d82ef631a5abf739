#pragma once

#include <array>
#include <cstdint>

#include "core/decode/decode_output.h"
#include "core/metrics/metrics.h"

namespace stitch::decode {

// The decoder's counters in a metrics::Registry, so that every transport exports them under the
// same names. A worker decodes a batch into DecodeOutput::stats, then calls add() once.
//
//   stitch_decode_lines_total, stitch_decode_bytes_total, stitch_decode_blank_lines_total
//   stitch_decode_records_total{format}            decoded records by preset
//   stitch_decode_outcomes_total{outcome}          traced, kept_untraced, dropped, dead_lettered
//   stitch_decode_errors_total{reason}             lines that did not decode, by DecodeError
//   stitch_decode_untraced_total{reason}           records without valid context, by problem
//   stitch_decode_traceparent_errors_total{reason} traceparent rejections, by W3C reason
//   stitch_decode_tracestate_errors_total{reason}  tracestate rejections (context kept)
//   stitch_decode_traceparent_conflicts_total      id fields that disagreed with traceparent
//   stitch_decode_timestamp_problems_total{reason} missing, bad
//   stitch_decode_invalid_fields_total{field}      duration, trace_flags
//
// `labels` are added to every series (e.g. {{"transport", "tcp"}}).
// Threading: add() may be called from any thread (relaxed atomic adds); construct on one.
class DecodeMetrics {
public:
  explicit DecodeMetrics(metrics::Registry& registry, const metrics::Labels& labels = {});

  void add(const DecodeStats& stats) noexcept;

private:
  metrics::Counter& lines_;
  metrics::Counter& bytes_;
  metrics::Counter& blank_lines_;
  std::array<metrics::Counter*, record::kFormatCount> formats_{};
  metrics::Counter* traced_ = nullptr;
  metrics::Counter* kept_untraced_ = nullptr;
  metrics::Counter* dropped_ = nullptr;
  metrics::Counter* dead_lettered_ = nullptr;
  std::array<metrics::Counter*, kDecodeErrorCount> errors_{};
  std::array<metrics::Counter*, record::kContextProblemCount> problems_{};
  std::array<metrics::Counter*, tracecontext::kTraceparentErrorCount> traceparent_errors_{};
  std::array<metrics::Counter*, tracecontext::kTracestateErrorCount> tracestate_errors_{};
  metrics::Counter& conflicts_;
  metrics::Counter* timestamps_missing_ = nullptr;
  metrics::Counter* timestamps_bad_ = nullptr;
  metrics::Counter* durations_invalid_ = nullptr;
  metrics::Counter* trace_flags_invalid_ = nullptr;
};

}  // namespace stitch::decode
