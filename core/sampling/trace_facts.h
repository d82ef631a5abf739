#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/record/record.h"

namespace stitch::sampling {

// What tail policies read about a trace, computed once per decision in one pass over its
// records (policies that need more, like attribute matches, walk `records` themselves).
// Views point into the records: valid while they are.
struct TraceFacts {
  tracecontext::TraceId trace_id;
  std::span<const record::RecordPtr> records;
  // The root span record: a span record without a parent (the earliest-starting one if
  // several). Null when the trace has none (only orphans, or only log events).
  const record::Record* root = nullptr;
  // Root service and operation: the root's, else the earliest-starting span's, else the first
  // record's with a service. Adaptive keys and name policies with scope root use these.
  std::string_view root_service;
  std::string_view root_operation;
  TimestampNs start_ns = 0;                // earliest start of any record (events: their timestamp)
  TimestampNs end_ns = 0;                  // latest end
  std::int64_t max_span_duration_ns = -1;  // -1 without span records
  std::uint8_t status_mask = 0;            // bit (1 << Status) for every status seen
  std::uint8_t max_severity = 0;           // highest SeverityNumber seen
  std::uint32_t span_count = 0;            // distinct span ids (span records and log events alike)
  std::uint64_t randomness = 0;  // R: the first `ot=rv` of any record, else the trace id's

  std::int64_t durationNs() const noexcept { return end_ns - start_ns; }
  std::int64_t rootDurationNs() const noexcept { return root != nullptr ? root->duration_ns : -1; }
  bool hasStatus(record::Status status) const noexcept {
    return (status_mask & (1u << static_cast<unsigned>(status))) != 0;
  }
};

// Computes TraceFacts; keeps a scratch buffer between calls.
// Threading: one per shard thread.
class TraceFactsBuilder {
public:
  TraceFacts build(const tracecontext::TraceId& trace_id,
                   std::span<const record::RecordPtr> records);

private:
  std::vector<std::uint64_t> span_ids_;
};

}  // namespace stitch::sampling
