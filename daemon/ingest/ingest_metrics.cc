#include "daemon/ingest/ingest_metrics.h"

#include <string>

namespace stitch::daemon {
namespace {

constexpr std::string_view dropReasonName(DropReason reason) noexcept {
  switch (reason) {
    case DropReason::kInvalidContext:
      return "invalid_context";
    case DropReason::kBackpressure:
      return "backpressure";
    case DropReason::kShutdown:
      return "shutdown";
    case DropReason::kDeadLetterFull:
      return "dead_letter_full";
    case DropReason::kDeadLetterError:
      return "dead_letter_error";
  }
  return "unknown";
}

metrics::Labels label(std::string_view name, std::string_view value) {
  return {{std::string(name), std::string(value)}};
}

void addIfAny(metrics::Counter* counter, std::uint64_t n) noexcept {
  if (n != 0) {
    counter->add(n);
  }
}

}  // namespace

IngestMetrics::IngestMetrics(metrics::Registry& registry) : registry_(registry) {
  for (std::size_t i = 0; i < kTransportCount; ++i) {
    const auto transport = label("transport", transportName(static_cast<Transport>(i)));
    records_received_[i] = &registry.counter(
        "stitch_ingest_records_received_total",
        "Records received (framed lines or frames, valid or not), by transport", transport);
    bytes_received_[i] = &registry.counter("stitch_ingest_bytes_received_total",
                                           "Bytes received, by transport", transport);
    backpressure_pauses_[i] = &registry.counter(
        "stitch_ingest_backpressure_pauses_total",
        "Times a connection or socket stopped reading because the pipeline was full", transport);
    receive_errors_[i] =
        &registry.counter("stitch_ingest_receive_errors_total",
                          "Socket errors while receiving, by transport", transport);
    const auto t = static_cast<Transport>(i);
    if (t == Transport::kTcp || t == Transport::kUnixStream || t == Transport::kHttp) {
      connections_active_[i] = &registry.gauge("stitch_ingest_connections_active",
                                               "Open connections, by transport", transport);
      connections_accepted_[i] = &registry.counter("stitch_ingest_connections_accepted_total",
                                                   "Connections accepted, by transport", transport);
      connections_rejected_max_[i] = &registry.counter(
          "stitch_ingest_connections_rejected_total",
          "Connections closed at once, by transport and reason",
          {{"transport", std::string(transportName(t))}, {"reason", "max_connections"}});
    } else {
      // Datagram transports have no connections; keep the slots valid but unexported.
      connections_active_[i] = &unexported_gauge_;
      connections_accepted_[i] = &unexported_counter_;
      connections_rejected_max_[i] = &unexported_counter_;
    }
  }
  connections_idle_closed_ =
      &registry.counter("stitch_ingest_connections_idle_closed_total",
                        "Stream connections closed after idle_timeout without data");
  udp_kernel_drops_ = &registry.counter(
      "stitch_udp_kernel_drops_total",
      "Datagrams the kernel dropped because a UDP socket's receive buffer was full (SO_RXQ_OVFL)");
  for (std::size_t i = 0; i < record::kFormatCount; ++i) {
    decoded_[i] = &registry.counter(
        "stitch_decode_records_total", "Lines decoded into records, by field-mapping preset",
        label("format", record::formatName(static_cast<record::Format>(i))));
  }
  constexpr std::string_view kErrorsHelp =
      "Received records that could not be decoded and were dropped, by reason";
  for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
    const auto error = static_cast<decode::DecodeError>(i);
    if (error == decode::DecodeError::kEmpty) {
      continue;  // blank lines are skipped, never counted as records
    }
    decode_errors_[i] = &registry.counter("stitch_decode_errors_total", kErrorsHelp,
                                          label("reason", decode::reasonName(error)));
  }
  invalid_frames_ = &registry.counter("stitch_decode_errors_total", kErrorsHelp,
                                      label("reason", "invalid_frame"));
  for (std::size_t i = 1; i < record::kContextProblemCount; ++i) {
    invalid_context_[i] = &registry.counter(
        "stitch_decode_invalid_context_total",
        "Decoded records without usable trace context (untraced logs), by reason",
        label("reason", record::problemName(static_cast<record::ContextProblem>(i))));
  }
  for (std::size_t i = 0; i < tracecontext::kTraceparentErrorCount; ++i) {
    traceparent_errors_[i] = &registry.counter(
        "stitch_decode_traceparent_errors_total", "Rejected traceparent values, by reason",
        label("reason", tracecontext::reasonName(static_cast<tracecontext::TraceparentError>(i))));
  }
  traced_ = &registry.counter("stitch_decode_traced_records_total",
                              "Decoded records with a valid trace context");
  untraced_ = &registry.counter("stitch_decode_untraced_records_total",
                                "Decoded records without a valid trace context");
  dead_lettered_ =
      &registry.counter("stitch_records_dead_lettered_total", "Lines sent to the dead-letter file");
  constexpr std::string_view kWarningsHelp =
      "Records decoded with a repaired or ignored field, by kind";
  traceparent_conflicts_ = &registry.counter("stitch_decode_warnings_total", kWarningsHelp,
                                             label("kind", "traceparent_conflict"));
  timestamps_missing_ = &registry.counter("stitch_decode_warnings_total", kWarningsHelp,
                                          label("kind", "timestamp_missing"));
  timestamps_bad_ = &registry.counter("stitch_decode_warnings_total", kWarningsHelp,
                                      label("kind", "timestamp_invalid"));
  durations_invalid_ = &registry.counter("stitch_decode_warnings_total", kWarningsHelp,
                                         label("kind", "duration_invalid"));
  trace_flags_invalid_ = &registry.counter("stitch_decode_warnings_total", kWarningsHelp,
                                           label("kind", "trace_flags_invalid"));
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    dropped_[i] = &registry.counter("stitch_records_dropped_total",
                                    "Received records dropped after decoding, by reason",
                                    label("reason", dropReasonName(static_cast<DropReason>(i))));
  }
}

void IngestMetrics::addDecode(Transport transport,
                              const decode::DecodeStats& stats,
                              const FrameStats& frames) {
  addIfAny(records_received_[index(transport)],
           stats.lines + frames.oversize + frames.invalid_frames);
  for (std::size_t i = 0; i < record::kFormatCount; ++i) {
    addIfAny(decoded_[i], stats.formats[i]);
  }
  for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
    if (decode_errors_[i] != nullptr) {
      addIfAny(decode_errors_[i], stats.errors[i]);
    }
  }
  addIfAny(decode_errors_[static_cast<std::size_t>(decode::DecodeError::kTooLarge)],
           frames.oversize);
  addIfAny(invalid_frames_, frames.invalid_frames);
  for (std::size_t i = 1; i < record::kContextProblemCount; ++i) {
    addIfAny(invalid_context_[i], stats.context_problems[i]);
  }
  for (std::size_t i = 0; i < tracecontext::kTraceparentErrorCount; ++i) {
    addIfAny(traceparent_errors_[i], stats.traceparent_errors[i]);
  }
  addIfAny(traced_, stats.traced);
  addIfAny(untraced_, stats.untraced);
  addIfAny(dead_lettered_, stats.dead_lettered);
  if (drop_untraced_) {
    addIfAny(dropped_[static_cast<std::size_t>(DropReason::kInvalidContext)],
             stats.untraced - stats.kept_untraced);
  }
  addIfAny(traceparent_conflicts_, stats.traceparent_conflicts);
  addIfAny(timestamps_missing_, stats.timestamps_missing);
  addIfAny(timestamps_bad_, stats.timestamps_bad);
  addIfAny(durations_invalid_, stats.durations_invalid);
  addIfAny(trace_flags_invalid_, stats.trace_flags_invalid);
}

}  // namespace stitch::daemon
