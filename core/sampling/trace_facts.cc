#include "core/sampling/trace_facts.h"

#include <algorithm>

#include "core/assembly/tree.h"
#include "core/sampling/consistent.h"

namespace stitch::sampling {

TraceFacts TraceFactsBuilder::build(const tracecontext::TraceId& trace_id,
                                    std::span<const record::RecordPtr> records) {
  TraceFacts facts;
  facts.trace_id = trace_id;
  facts.records = records;
  facts.randomness = trace_id.randomness();
  span_ids_.clear();

  const record::Record* earliest_span = nullptr;
  const record::Record* first_named = nullptr;
  bool randomness_from_tracestate = false;
  bool first = true;
  for (const record::RecordPtr& pointer : records) {
    const record::Record& r = *pointer;
    const TimestampNs begin = assembly::recordStartNs(r);
    const TimestampNs end = assembly::recordEndNs(r);
    if (first) {
      facts.start_ns = begin;
      facts.end_ns = end;
      first = false;
    } else {
      facts.start_ns = std::min(facts.start_ns, begin);
      facts.end_ns = std::max(facts.end_ns, end);
    }
    facts.status_mask |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(r.status));
    facts.max_severity = std::max(facts.max_severity, r.severity_number);
    if (r.span_id.isValid()) {
      span_ids_.push_back(r.span_id.value);
    }
    if (first_named == nullptr && !r.service.empty()) {
      first_named = &r;
    }
    if (r.isSpan()) {
      facts.max_span_duration_ns = std::max(facts.max_span_duration_ns, r.duration_ns);
      if (earliest_span == nullptr || begin < assembly::recordStartNs(*earliest_span)) {
        earliest_span = &r;
      }
      if (!r.parent_span_id.isValid() &&
          (facts.root == nullptr || begin < assembly::recordStartNs(*facts.root))) {
        facts.root = &r;
      }
    }
    if (!randomness_from_tracestate && !r.tracestate.empty()) {
      if (const auto rv = parseOtelTracestate(r.tracestateText()).randomness) {
        facts.randomness = *rv;
        randomness_from_tracestate = true;
      }
    }
  }
  const record::Record* named = facts.root != nullptr      ? facts.root
                                : earliest_span != nullptr ? earliest_span
                                                           : first_named;
  if (named != nullptr) {
    facts.root_service = named->serviceName();
    facts.root_operation = named->operationName();
  }
  std::sort(span_ids_.begin(), span_ids_.end());
  facts.span_count = static_cast<std::uint32_t>(std::unique(span_ids_.begin(), span_ids_.end()) -
                                                span_ids_.begin());
  return facts;
}

}  // namespace stitch::sampling
