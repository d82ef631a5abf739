#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/record/record.h"
#include "core/trace/trace.h"

namespace stitch::assembly {

// Builds trace trees from a trace's records (any order; indexes refer to that order).
//
// - A record with a duration is a span record; the first one with a span id is that span, any
//   further one with the same id is listed in Span::duplicates (flagged kDuplicate, warned).
// - A record without a duration is a log event of its span; a span id known only from events
//   becomes a synthetic span (kSynthetic) covering its events' time range, whose parent is the
//   first non-zero parent span id its events carry. Records without a span id are
//   trace-level events (TraceTree::trace_events).
// - Parents come from parent span ids. A parent that never arrived makes the span an orphan
//   root (kOrphan, warned). A parent chain that loops is cut at the span of the loop with the
//   earliest start (then the lowest span id), which becomes a root (kCycle, warned): the same
//   records always give the same tree.
// - Roots: true roots by start time, then orphans and cut cycles by start time. Children and
//   events are ordered by start/time (ties: arrival order).
// - Per span: duration, self time (duration minus the union of its children's intervals,
//   clipped to the span) and share_of_parent (duration / parent's duration, -1 without a
//   parent or when the parent's duration is 0).
//
// Threading: a builder holds scratch buffers reused between builds; one per thread.
class TreeBuilder {
public:
  trace::TraceTree build(std::span<const record::RecordPtr> records);
  // As the free function summarize(), reusing this builder's scratch.
  trace::TraceSummary summarize(const trace::TraceTree& tree,
                                std::span<const record::RecordPtr> records);

private:
  struct SpanSlot {
    std::uint64_t span_id;  // 0 = empty
    std::int32_t index;
  };
  std::int32_t findSpan(std::uint64_t span_id) const noexcept;
  void insertSpan(std::uint64_t span_id, std::int32_t index) noexcept;

  std::vector<SpanSlot> slots_;  // open addressing span id -> span index
  std::size_t mask_ = 0;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint32_t> counts_;
  std::vector<std::int32_t> stack_;
  std::vector<std::string_view> names_;
};

// One-off convenience over TreeBuilder.
trace::TraceTree buildTree(std::span<const record::RecordPtr> records);

// The searchable summary of a built tree: root service/operation (first root; a synthetic root
// is named by its first event), sorted unique services, error (any record with status error
// or severity >= ERROR (17)), counts and the raw bytes of the records.
trace::TraceSummary summarize(const trace::TraceTree& tree,
                              std::span<const record::RecordPtr> records);

// A span's share of its parent's time as a whole percent, truncated the way the guide shows it
// ("Database (40ms) <- 66% of cart service time"); -1 when the span has no share.
int percentOfParent(const trace::Span& span) noexcept;

// The start of a record on the trace's time line: a span's start (its timestamp when the
// decoder gave no start), an event's timestamp.
inline TimestampNs recordStartNs(const record::Record& record) noexcept {
  return record.isSpan() && record.start_ns != 0 ? record.start_ns : record.timestamp_ns;
}
inline TimestampNs recordEndNs(const record::Record& record) noexcept {
  return record.isSpan() ? recordStartNs(record) + record.duration_ns : record.timestamp_ns;
}

}  // namespace stitch::assembly
