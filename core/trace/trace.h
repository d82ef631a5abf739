#pragma once

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

enum class Decision : std::uint8_t { kKeep = 0, kDrop = 1 };

struct DecisionInfo {
  Decision decision = Decision::kKeep;
  std::string policy;  // the policy that decided, e.g. "errors" or "head:probability"
  TimestampNs decided_at_ns = 0;
  bool early = false;  // decided before its time because of memory pressure
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
