#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.h"
#include "core/tracecontext/ids.h"

namespace stitch::record {

using tracecontext::SpanId;
using tracecontext::TraceId;

// Span status, in OpenTelemetry's StatusCode order.
enum class Status : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// Which field-mapping preset decoded a record.
enum class Format : std::uint8_t { kUnknown = 0, kCanonical, kOtel, kEcs, kDatadog, kCustom };
inline constexpr std::size_t kFormatCount = 6;
std::string_view formatName(Format format) noexcept;  // "canonical", "otel", ...

// Why a record carries no usable trace context (kNone: it does). The values are stable: they
// are stored with records and index per-reason counters. A record whose reason is not kNone
// is an untraced log: it is kept, dropped or dead-lettered by policy, never lost silently.
enum class ContextProblem : std::uint8_t {
  kNone = 0,
  kMissing,              // no trace fields at all
  kInvalidTraceparent,   // the traceparent field failed W3C parsing (see traceparent_error)
  kInvalidTraceId,       // a trace id field that is not 32 lowercase hex (or Datadog decimal)
  kZeroTraceId,          // a trace id field of all zeros
  kInvalidSpanId,        // a span id field that is not 16 lowercase hex (or Datadog decimal)
  kZeroSpanId,           // a span id field of all zeros
  kInvalidParentSpanId,  // a parent span id field that is malformed
  kInvalidTracestate,    // the tracestate field failed W3C parsing (context kept without it)
};
inline constexpr std::size_t kContextProblemCount = 9;
std::string_view problemName(ContextProblem problem) noexcept;  // "missing", "invalid_trace_id"..

// Bits of RecordFields::flags: how the decoder arrived at the fields, for diagnostics.
namespace flag {
inline constexpr std::uint8_t kSpanIdFromParentId = 0x01;    // guide shape: parent_id is own id
inline constexpr std::uint8_t kTraceparentConflict = 0x02;   // id fields disagreed; traceparent won
inline constexpr std::uint8_t kTimestampFromReceive = 0x04;  // no usable timestamp in the record
inline constexpr std::uint8_t kBadTimestamp = 0x08;          // a timestamp field was unparseable
inline constexpr std::uint8_t kHasTraceparentField = 0x10;   // the context came from traceparent
inline constexpr std::uint8_t kHasTraceFlags = 0x20;         // trace_flags were given, else unknown
inline constexpr std::uint8_t kHeadSampled = 0x40;           // head sampling ran and kept it
// Head sampling ran and dropped it; it travels on only to leave as a plain log
// (sampling.dropped_trace_logs: pass_through).
inline constexpr std::uint8_t kHeadDropped = 0x80;
}  // namespace flag

// A string inside a record's own buffer: [offset, offset + size) of Record::data().
struct StringRef {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  constexpr bool empty() const noexcept { return size == 0; }
};

// Everything a decoder learns about a log line. Strings are StringRefs into the record's one
// buffer, which starts with the original line (raw) and continues with any string that had to
// be unescaped or converted.
struct RecordFields {
  TimestampNs timestamp_ns = 0;   // the record's time; its receive time when it has none
  TimestampNs start_ns = 0;       // span start, when the record describes a span
  std::int64_t duration_ns = -1;  // span duration; -1 when the record is not a span

  TraceId trace_id;              // valid only when context == ContextProblem::kNone
  SpanId span_id;                // zero when the record names no span (trace-level log)
  SpanId parent_span_id;         // zero for a root span or when not given
  std::uint8_t trace_flags = 0;  // W3C trace-flags (sampled 0x01, random 0x02)

  Status status = Status::kUnset;
  std::uint8_t severity_number = 0;  // OpenTelemetry SeverityNumber 1..24; 0 unspecified
  Format format = Format::kUnknown;
  ContextProblem context = ContextProblem::kMissing;
  std::uint8_t traceparent_error = 0;  // a tracecontext::TraceparentError when kInvalidTraceparent
  std::uint8_t flags = 0;              // record::flag bits

  StringRef service;
  StringRef operation;  // span name
  StringRef message;
  StringRef error;          // error message
  StringRef severity_text;  // as logged ("INFO", "warn", ...)
  StringRef tracestate;     // W3C tracestate header value, when the record carries one
  StringRef attributes;     // raw JSON object text of the record's attributes, unparsed
  StringRef resource;       // raw JSON object text of resource attributes (OTel), unparsed
};

class Record;
struct RecordDeleter {
  void operator()(Record* record) const noexcept;
};
// Records move between threads by unique ownership and are shared only as const.
using RecordPtr = std::unique_ptr<Record, RecordDeleter>;
using RecordBatch = std::vector<RecordPtr>;

// One decoded log line. Immutable once built; one heap allocation holds the fields and the
// bytes (the original line is copied exactly once, into this allocation).
class Record : public RecordFields {
public:
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  // The original line, untouched (no trailing newline or CR).
  std::string_view raw() const noexcept { return {data(), raw_size_}; }
  std::string_view str(StringRef ref) const noexcept { return {data() + ref.offset, ref.size}; }

  std::string_view serviceName() const noexcept { return str(service); }
  std::string_view operationName() const noexcept { return str(operation); }
  std::string_view messageText() const noexcept { return str(message); }
  std::string_view errorText() const noexcept { return str(error); }
  std::string_view severityText() const noexcept { return str(severity_text); }
  std::string_view tracestateText() const noexcept { return str(tracestate); }
  std::string_view attributesJson() const noexcept { return str(attributes); }
  std::string_view resourceJson() const noexcept { return str(resource); }

  bool hasTraceContext() const noexcept { return context == ContextProblem::kNone; }
  // A record with a duration describes a whole span; without one it is a log event of its span.
  bool isSpan() const noexcept { return duration_ns >= 0; }
  TimestampNs endNs() const noexcept { return isSpan() ? start_ns + duration_ns : timestamp_ns; }

  // Bytes of the one allocation (header + data): what the memory budget charges.
  std::size_t allocatedBytes() const noexcept { return sizeof(Record) + data_size_; }
  std::uint32_t dataSize() const noexcept { return data_size_; }

  // A position-independent binary form (fields, then data), for the store and the WAL.
  // deserialize() advances `in` past the record; nullptr when `in` does not hold a whole one.
  void serialize(std::string& out) const;
  static RecordPtr deserialize(std::string_view& in);

  RecordPtr clone() const;

private:
  friend class RecordBuilder;
  friend struct RecordDeleter;
  Record(const RecordFields& fields, std::uint32_t raw_size, std::uint32_t data_size) noexcept
      : RecordFields(fields), raw_size_(raw_size), data_size_(data_size) {}
  ~Record() = default;

  static RecordPtr allocate(const RecordFields& fields,
                            std::string_view raw,
                            std::string_view extra);
  // Builds the record in `memory` (from ::operator new, at least sizeof(Record) + raw and
  // extra bytes), which it then owns.
  static RecordPtr construct(void* memory,
                             const RecordFields& fields,
                             std::string_view raw,
                             std::string_view extra) noexcept;
  const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* data() noexcept { return reinterpret_cast<char*>(this + 1); }

  std::uint32_t raw_size_;
  std::uint32_t data_size_;
};

// Starts loading a record's fields and the first bytes of its line into this core's cache.
// Records reach a shard, an exporter or the store writer long after another thread wrote them,
// so a loop over a batch otherwise stalls on memory once per record (an exporter's loop spent
// 93% of its time on one load of each record's header). Issue it a few records, or one trace,
// before the record is read.
inline void prefetch(const Record* record) noexcept {
  const char* bytes = reinterpret_cast<const char*>(record);
  __builtin_prefetch(bytes);
  __builtin_prefetch(bytes + 64);
  __builtin_prefetch(bytes + 128);
}

// Starts loading a record's whole line (at most 1 KiB of it) for a reader that copies it, such
// as an exporter writing original lines. Reads the record's header: issue it once prefetch()
// had time to bring that in.
inline void prefetchRaw(const Record* record) noexcept {
  const std::string_view raw = record->raw();
  const std::size_t size = std::min<std::size_t>(raw.size(), 1024);
  for (std::size_t offset = 0; offset < size; offset += 64) {
    __builtin_prefetch(raw.data() + offset);
  }
}

// prefetch() for every record of `batch`.
inline void prefetch(const RecordBatch& batch) noexcept {
  for (const RecordPtr& record : batch) {
    if (record) {
      prefetch(record.get());
    }
  }
}

// Assembles one Record at a time. Strings that lie inside the raw line are referenced where
// they are (no copy); others (unescaped, converted) go to a scratch area that build() appends.
// Threading: one builder per thread; reuse it so that its scratch buffer is allocated once.
//
// reset() already allocates the next record's memory and asks the core for its cache lines:
// the allocator hands out memory that other threads (a shard, an exporter) touched last, and
// writing the record into it at build() otherwise waits for those lines one after another.
// Decoding the line gives them time to arrive. The block is kept for the next record when no
// record is built, or when the scratch area does not fit its slack (build() then allocates).
class RecordBuilder {
public:
  RecordBuilder() = default;
  ~RecordBuilder();
  RecordBuilder(const RecordBuilder&) = delete;
  RecordBuilder& operator=(const RecordBuilder&) = delete;

  // Starts a new record for `raw` (which must stay alive until build()).
  void reset(std::string_view raw);

  RecordFields& fields() noexcept { return fields_; }
  std::string_view raw() const noexcept { return raw_; }

  // A reference to `text`: zero-copy when `text` points inside the raw line, else a copy in
  // the scratch area.
  StringRef ref(std::string_view text);
  // Always copies `text` to the scratch area (for a converted or unescaped value).
  StringRef copy(std::string_view text);
  // The bytes behind a reference made since reset().
  std::string_view view(StringRef ref) const noexcept;

  // One allocation holding the fields, the raw line and the scratch area.
  RecordPtr build();

private:
  RecordFields fields_;
  std::string_view raw_;
  std::string extra_;
  void* next_ = nullptr;  // memory for the next record (::operator new), or null
  std::size_t next_capacity_ = 0;
};

}  // namespace stitch::record
