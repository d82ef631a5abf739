#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record/record.h"
#include "core/tracecontext/traceparent.h"
#include "core/tracecontext/tracestate.h"

namespace stitch::decode {

// Why a line could not be decoded into a record. The values are stable (metric label indexes);
// names come from reasonName().
enum class DecodeError : std::uint8_t {
  kEmpty = 0,      // nothing but whitespace (decodeLines skips such lines without an error)
  kTooLarge,       // longer than max_record_bytes; rejected before parsing
  kTooDeep,        // objects/arrays nested deeper than max_depth
  kNotAnObject,    // valid JSON, but an array, string, number, true, false or null
  kMalformedJson,  // not JSON: syntax error, truncated line, bad escape, trailing content
  kInvalidUtf8,    // bytes that are not UTF-8 (simdjson validates the whole line)
  kInternal,       // the parser failed for a reason other than the input (out of memory)
};
inline constexpr std::size_t kDecodeErrorCount = 7;
std::string_view reasonName(DecodeError error) noexcept;  // "too_large", "malformed_json", ...

// Counters of one or more decode calls. Plain integers: a worker thread fills them per batch and
// adds them to its metrics once per batch (no atomics on the data path).
struct DecodeStats {
  std::uint64_t lines = 0;        // non-blank lines seen, decoded or not
  std::uint64_t bytes = 0;        // bytes of those lines (without newlines)
  std::uint64_t blank_lines = 0;  // empty or whitespace-only lines, skipped
  std::uint64_t records = 0;      // lines decoded into a record
  std::uint64_t traced = 0;       // records with a valid trace context
  std::uint64_t untraced = 0;     // records without one (whatever the policy then did)
  // What the invalid_context policy did (untraced records and undecodable lines together).
  std::uint64_t kept_untraced = 0;
  std::uint64_t dropped = 0;
  std::uint64_t dead_lettered = 0;

  std::array<std::uint64_t, kDecodeErrorCount> errors{};  // by DecodeError
  // Why records are untraced, by record::ContextProblem (index 0, kNone, stays 0). Also counts
  // kInvalidTracestate, although such records keep their context (without the tracestate).
  std::array<std::uint64_t, record::kContextProblemCount> context_problems{};
  // Why traceparent fields were rejected, by tracecontext::TraceparentError.
  std::array<std::uint64_t, tracecontext::kTraceparentErrorCount> traceparent_errors{};
  // Why tracestate fields were rejected (the record keeps its context without the tracestate),
  // by tracecontext::TracestateError. A tracestate that is not a JSON string is only counted in
  // context_problems.
  std::array<std::uint64_t, tracecontext::kTracestateErrorCount> tracestate_errors{};
  std::array<std::uint64_t, record::kFormatCount> formats{};  // decoded records by preset

  std::uint64_t traceparent_conflicts = 0;  // id fields disagreed with traceparent (it won)
  std::uint64_t timestamps_missing = 0;     // no timestamp field: receive time used
  std::uint64_t timestamps_bad = 0;         // unparseable or out of range: receive time used
  std::uint64_t durations_invalid = 0;      // negative, non-numeric or overflowing durations
  std::uint64_t trace_flags_invalid = 0;    // flags fields that were not 0..255 (flags unknown)

  void add(const DecodeStats& other) noexcept;
  friend bool operator==(const DecodeStats&, const DecodeStats&) = default;
};

// A line for the dead-letter file: the bytes exactly as received (no newline) and why.
struct DeadLetter {
  std::string line;
  // A DecodeError name ("malformed_json") or a ContextProblem name ("invalid_traceparent");
  // points to static storage.
  std::string_view reason;
};

// What a batch of lines became. The caller moves the batches on and clear()s it for reuse.
struct DecodeOutput {
  record::RecordBatch traced;            // records with a valid trace context
  record::RecordBatch untraced;          // records without one, kept by the invalid_context policy
  std::vector<DeadLetter> dead_letters;  // only with invalid_context: dead_letter
  DecodeStats stats;                     // added to, never reset by the decoder

  void clear() noexcept {
    traced.clear();
    untraced.clear();
    dead_letters.clear();
    stats = DecodeStats{};
  }
};

}  // namespace stitch::decode
