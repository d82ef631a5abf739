#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.h"
#include "core/record/record.h"

namespace stitch::trace {

using record::RecordBatch;
using record::RecordPtr;
using tracecontext::SpanId;
using tracecontext::TraceId;

// Bits of Span::flags.
namespace span_flag {
inline constexpr std::uint8_t kSynthetic = 0x01;  // known only from log events; no span record
inline constexpr std::uint8_t kOrphan = 0x02;     // names a parent that never arrived
inline constexpr std::uint8_t kDuplicate = 0x04;  // more than one span record had this span id
inline constexpr std::uint8_t kCycle = 0x08;      // its parent chain loops; cut here, made a root
}  // namespace span_flag

// One node of a trace tree. Indexes refer to TraceTree::spans and to the trace's records.
struct Span {
  SpanId span_id;
  SpanId parent_span_id;                 // as recorded; zero for a root
  std::int32_t parent = -1;              // index of the parent span; -1 for roots and orphans
  std::int32_t record = -1;              // index of the span's own record; -1 when synthetic
  std::vector<std::int32_t> children;    // ordered by start time
  std::vector<std::int32_t> events;      // records that are log events of this span, by time
  std::vector<std::int32_t> duplicates;  // further span records with the same span id
  TimestampNs start_ns = 0;
  std::int64_t duration_ns = 0;
  std::int64_t self_ns = 0;     // duration minus the union of its children's time
  double share_of_parent = -1;  // duration / parent's duration; -1 without a parent
  std::int32_t depth = 0;
  std::uint8_t flags = 0;  // span_flag bits
};

// The tree of one trace, derived from its records (never stored: rebuilt on demand).
struct TraceTree {
  std::vector<Span> spans;
  std::vector<std::int32_t> roots;         // true roots first (by start), then orphans
  std::vector<std::int32_t> trace_events;  // records with a trace id but no span id
  std::vector<std::string> warnings;       // one line per orphan, duplicate or cycle
  TimestampNs start_ns = 0;
  TimestampNs end_ns = 0;
};

// What search, the store's indexed columns and the policies read without walking the tree.
struct TraceSummary {
  TimestampNs start_ns = 0;
  std::int64_t duration_ns = 0;
  std::string root_service;
  std::string root_operation;
  std::vector<std::string> services;  // sorted, unique
  bool error = false;                 // any span or log event with error status or severity
  std::uint32_t span_count = 0;
  std::uint32_t record_count = 0;
  std::uint64_t bytes = 0;  // sum of the records' raw sizes
};

// kPending marks a snapshot of a trace still being assembled (a query for a trace that has
// not been decided yet); such a DecidedTrace is never exported.
enum class Decision : std::uint8_t { kKeep = 0, kDrop = 1, kPending = 2 };

constexpr std::string_view decisionName(Decision decision) noexcept {
  switch (decision) {
    case Decision::kKeep:
      return "keep";
    case Decision::kDrop:
      return "drop";
    case Decision::kPending:
      return "pending";
  }
  return "unknown";
}

// What made a trace be decided when it was.
enum class DecisionTrigger : std::uint8_t {
  kNone = 0,      // not decided (pending)
  kDecisionWait,  // decision_wait passed since its last record
  kRootGrace,     // its root span completed and root_grace passed
  kBudget,        // the shard's byte budget needed room (early)
  kTraceCap,      // the trace reached max_spans_per_trace or max_bytes_per_trace (early)
  kShutdown,      // the shard was drained
};
inline constexpr std::size_t kDecisionTriggerCount = 6;

constexpr std::string_view decisionTriggerName(DecisionTrigger trigger) noexcept {
  switch (trigger) {
    case DecisionTrigger::kNone:
      return "none";
    case DecisionTrigger::kDecisionWait:
      return "decision_wait";
    case DecisionTrigger::kRootGrace:
      return "root_grace";
    case DecisionTrigger::kBudget:
      return "budget";
    case DecisionTrigger::kTraceCap:
      return "trace_cap";
    case DecisionTrigger::kShutdown:
      return "shutdown";
  }
  return "unknown";
}

struct DecisionInfo {
  Decision decision = Decision::kKeep;
  std::string policy;  // the policy that decided, e.g. "errors" or "head:probability"
  TimestampNs decided_at_ns = 0;
  bool early = false;  // decided before its time because of memory pressure
  DecisionTrigger trigger = DecisionTrigger::kNone;
};

// A trace once decided: immutable and shared by the exporters, the store and the query API.
struct DecidedTrace {
  TraceId trace_id;
  RecordBatch records;  // in arrival order
  TraceTree tree;
  TraceSummary summary;
  DecisionInfo decision;
};
using DecidedTracePtr = std::shared_ptr<const DecidedTrace>;

}  // namespace stitch::trace
