#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "core/decode/decode_output.h"
#include "core/metrics/metrics.h"
#include "daemon/ingest/transport.h"

namespace stitch::daemon {

// Why records were dropped after they were received (stitch_records_dropped_total{reason}).
// Decode errors are counted by stitch_decode_errors_total instead.
enum class DropReason : std::uint8_t {
  kInvalidContext = 0,  // the decode policy `invalid_context: drop`
  kBackpressure,        // HTTP: the pipeline stayed full for push_timeout; the client got 503
  kShutdown,            // still queued when shutdown_timeout ran out
  kDeadLetterFull,      // the dead-letter file's queue was full
  kDeadLetterError,     // the dead-letter file could not be written
};
inline constexpr std::size_t kDropReasonCount = 5;

// Framing problems found before decoding; counted with the decode errors (as reasons
// "too_large" and "invalid_frame") so that for every transport
//   records_received == sum(decode_records_total) + sum(decode_errors_total).
struct FrameStats {
  std::uint64_t oversize = 0;        // records skipped before they were complete
  std::uint64_t invalid_frames = 0;  // malformed octet counts, truncated frames
};

// Every ingest metric, registered once; workers hold a reference and add per batch.
// Threading: any thread (the counters are atomics).
class IngestMetrics {
public:
  explicit IngestMetrics(metrics::Registry& registry);

  metrics::Registry& registry() noexcept { return registry_; }

  // Whether the decode policy drops untraced records (then counted as dropped, reason
  // invalid_context); set at start and on reload.
  void setDropsUntraced(bool drops) noexcept { drop_untraced_.store(drops); }

  // Adds one batch's decode counters (and the framing problems found before it).
  void addDecode(Transport transport, const decode::DecodeStats& stats, const FrameStats& frames);
  void addBytes(Transport transport, std::uint64_t bytes) noexcept {
    bytes_received_[index(transport)]->add(bytes);
  }
  void addDropped(DropReason reason, std::uint64_t records) noexcept {
    dropped_[static_cast<std::size_t>(reason)]->add(records);
  }

  metrics::Gauge& connectionsActive(Transport t) noexcept { return *connections_active_[index(t)]; }
  metrics::Counter& connectionsAccepted(Transport t) noexcept {
    return *connections_accepted_[index(t)];
  }
  metrics::Counter& connectionsRejectedMax(Transport t) noexcept {
    return *connections_rejected_max_[index(t)];
  }
  metrics::Counter& connectionsIdleClosed() noexcept { return *connections_idle_closed_; }
  metrics::Counter& backpressurePauses(Transport t) noexcept {
    return *backpressure_pauses_[index(t)];
  }
  metrics::Counter& udpKernelDrops() noexcept { return *udp_kernel_drops_; }
  metrics::Counter& receiveErrors(Transport t) noexcept { return *receive_errors_[index(t)]; }

private:
  static std::size_t index(Transport t) noexcept { return static_cast<std::size_t>(t); }
  using Counters = std::array<metrics::Counter*, kTransportCount>;

  metrics::Registry& registry_;
  Counters records_received_{};
  Counters bytes_received_{};
  Counters connections_accepted_{};
  Counters backpressure_pauses_{};
  Counters receive_errors_{};
  std::array<metrics::Gauge*, kTransportCount> connections_active_{};
  Counters connections_rejected_max_{};
  metrics::Counter* connections_idle_closed_ = nullptr;
  metrics::Counter* udp_kernel_drops_ = nullptr;
  std::array<metrics::Counter*, record::kFormatCount> decoded_{};
  std::array<metrics::Counter*, decode::kDecodeErrorCount> decode_errors_{};
  metrics::Counter* invalid_frames_ = nullptr;
  std::array<metrics::Counter*, record::kContextProblemCount> invalid_context_{};
  std::array<metrics::Counter*, tracecontext::kTraceparentErrorCount> traceparent_errors_{};
  metrics::Counter* traced_ = nullptr;
  metrics::Counter* untraced_ = nullptr;
  metrics::Counter* dead_lettered_ = nullptr;
  metrics::Counter* traceparent_conflicts_ = nullptr;
  metrics::Counter* timestamps_missing_ = nullptr;
  metrics::Counter* timestamps_bad_ = nullptr;
  metrics::Counter* durations_invalid_ = nullptr;
  metrics::Counter* trace_flags_invalid_ = nullptr;
  std::array<metrics::Counter*, kDropReasonCount> dropped_{};
  metrics::Gauge unexported_gauge_;
  metrics::Counter unexported_counter_;
  std::atomic<bool> drop_untraced_{false};
};

}  // namespace stitch::daemon
