#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/record/record.h"
#include "core/trace/trace.h"

// The namespace is `exporting` because `export` is a C++ keyword.
namespace stitch::exporting {

// A batch of records shared, immutable, by every exporter it is fanned out to.
using SharedRecordBatch = std::shared_ptr<const record::RecordBatch>;

// What an exporter receives. The values are stable: they index per-kind counters.
enum class ItemKind : std::uint8_t {
  kTrace = 0,         // a kept trace, decided once
  kLateRecords = 1,   // records of already-kept traces that arrived after the decision
  kUntracedLogs = 2,  // logs without a usable trace context
  kStreamed = 3,      // records of traces head sampling kept, sent as they arrive (tail off)
};
inline constexpr std::size_t kItemKindCount = 4;
// "trace", "late", "untraced", "streamed"
std::string_view itemKindName(ItemKind kind) noexcept;

// One unit of work for the exporters: a kept trace, a batch of late records or a batch of
// untraced logs. Immutable and cheap to copy (a shared pointer and two numbers), so that one
// item is pushed to every configured exporter without copying records.
// Threading: any thread; the records it points to are never modified.
class ExportItem {
public:
  // A null pointer makes an empty item (no records), which exporters skip.
  static ExportItem trace(trace::DecidedTracePtr trace);
  static ExportItem lateRecords(SharedRecordBatch records);
  static ExportItem lateRecords(record::RecordBatch&& records);
  static ExportItem streamed(record::RecordBatch&& records);
  static ExportItem untracedLogs(SharedRecordBatch records);
  static ExportItem untracedLogs(record::RecordBatch&& records);

  ItemKind kind() const noexcept { return kind_; }
  // The decided trace of a kTrace item; nullptr for the other kinds.
  const trace::DecidedTrace* decidedTrace() const noexcept { return trace_.get(); }
  const trace::DecidedTracePtr& tracePtr() const noexcept { return trace_; }
  // The trace's records (arrival order) or the batch; never null.
  const record::RecordBatch& records() const noexcept;

  std::uint32_t recordCount() const noexcept { return record_count_; }
  // Bytes of the records' original lines: what the queues bound and batches are sized by.
  std::uint64_t bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return record_count_ == 0; }

private:
  ExportItem(ItemKind kind, trace::DecidedTracePtr trace, SharedRecordBatch records) noexcept;

  ItemKind kind_ = ItemKind::kUntracedLogs;
  trace::DecidedTracePtr trace_;
  SharedRecordBatch batch_;
  std::uint32_t record_count_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace stitch::exporting
