#pragma once

// Builds records and decided traces for the exporter tests (the decoder and the tree builder
// are other modules; these fixtures set fields directly).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/record/record.h"
#include "core/trace/trace.h"

namespace stitch::testing {

inline constexpr record::TraceId kTraceA{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
inline constexpr record::TraceId kTraceB{0x0af7651916cd43dd, 0x8448eb211c80319c};

struct RecordSpec {
  std::string raw = R"({"msg":"hello"})";
  bool traced = true;
  record::TraceId trace_id = kTraceA;
  record::SpanId span_id{0x00f067aa0ba902b7};
  record::SpanId parent_span_id{};
  std::int64_t timestamp_ns = 1'714'564'800'000'000'000;
  std::int64_t start_ns = 0;
  std::int64_t duration_ns = -1;  // >= 0: a span record
  record::Status status = record::Status::kUnset;
  std::uint8_t severity_number = 0;
  std::uint8_t trace_flags = 0;
  bool has_trace_flags = false;
  std::uint8_t flags = 0;
  std::string service = "cart";
  std::string operation;
  std::string message;
  std::string error;
  std::string severity_text;
  std::string tracestate;
  std::string attributes;
  std::string resource;
};

inline record::RecordPtr makeRecord(const RecordSpec& spec) {
  record::RecordBuilder builder;
  builder.reset(spec.raw);
  auto& f = builder.fields();
  f.timestamp_ns = spec.timestamp_ns;
  f.start_ns = spec.start_ns != 0 ? spec.start_ns : spec.timestamp_ns;
  f.duration_ns = spec.duration_ns;
  if (spec.traced) {
    f.context = record::ContextProblem::kNone;
    f.trace_id = spec.trace_id;
    f.span_id = spec.span_id;
    f.parent_span_id = spec.parent_span_id;
  } else {
    f.context = record::ContextProblem::kMissing;
  }
  f.trace_flags = spec.trace_flags;
  f.flags = static_cast<std::uint8_t>(spec.flags |
                                      (spec.has_trace_flags ? record::flag::kHasTraceFlags : 0));
  f.status = spec.status;
  f.severity_number = spec.severity_number;
  f.service = builder.copy(spec.service);
  f.operation = builder.copy(spec.operation);
  f.message = builder.copy(spec.message);
  f.error = builder.copy(spec.error);
  f.severity_text = builder.copy(spec.severity_text);
  f.tracestate = builder.copy(spec.tracestate);
  f.attributes = builder.copy(spec.attributes);
  f.resource = builder.copy(spec.resource);
  return builder.build();
}

inline record::RecordBatch makeBatch(const std::vector<RecordSpec>& specs) {
  record::RecordBatch batch;
  for (const auto& spec : specs) {
    batch.push_back(makeRecord(spec));
  }
  return batch;
}

inline trace::DecidedTracePtr makeTrace(record::RecordBatch&& records,
                                        trace::TraceTree tree = {},
                                        record::TraceId id = kTraceA) {
  auto trace = std::make_shared<trace::DecidedTrace>();
  trace->trace_id = id;
  trace->summary.record_count = static_cast<std::uint32_t>(records.size());
  for (const auto& r : records) {
    trace->summary.bytes += r->raw().size();
  }
  trace->records = std::move(records);
  trace->tree = std::move(tree);
  trace->decision.policy = "errors";
  trace->decision.decided_at_ns = 1'714'564'801'000'000'000;
  return trace;
}

// A span record with the given ids, starting at `start` and lasting `duration`.
inline RecordSpec spanSpec(std::uint64_t span,
                           std::uint64_t parent,
                           std::string operation,
                           std::int64_t start = 1'714'564'800'000'000'000,
                           std::int64_t duration = 5'000'000) {
  RecordSpec spec;
  spec.span_id = record::SpanId{span};
  spec.parent_span_id = record::SpanId{parent};
  spec.operation = std::move(operation);
  spec.start_ns = start;
  spec.timestamp_ns = start;
  spec.duration_ns = duration;
  spec.raw = R"({"kind":"span","operation":")" + spec.operation + "\"}";
  return spec;
}

// A log event of span `span`.
inline RecordSpec logSpec(std::uint64_t span,
                          std::string message,
                          std::int64_t at = 1'714'564'800'001'000'000) {
  RecordSpec spec;
  spec.span_id = record::SpanId{span};
  spec.message = std::move(message);
  spec.timestamp_ns = at;
  spec.raw = R"({"msg":")" + spec.message + "\"}";
  return spec;
}

}  // namespace stitch::testing
