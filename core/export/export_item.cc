#include "core/export/export_item.h"

#include <utility>

namespace stitch::exporting {
namespace {

const record::RecordBatch kEmptyBatch;

struct Totals {
  std::uint32_t records = 0;
  std::uint64_t bytes = 0;
};

// Null pointers in a batch are tolerated (and skipped by every encoder), not counted.
Totals totalsOf(const record::RecordBatch& records) noexcept {
  Totals totals;
  for (const auto& record : records) {
    if (record) {
      ++totals.records;
      totals.bytes += record->raw().size();
    }
  }
  return totals;
}

}  // namespace

std::string_view itemKindName(ItemKind kind) noexcept {
  switch (kind) {
    case ItemKind::kTrace:
      return "trace";
    case ItemKind::kLateRecords:
      return "late";
    case ItemKind::kUntracedLogs:
      return "untraced";
    case ItemKind::kStreamed:
      return "streamed";
  }
  return "unknown";
}

ExportItem::ExportItem(ItemKind kind,
                       trace::DecidedTracePtr trace,
                       SharedRecordBatch records) noexcept
    : kind_(kind), trace_(std::move(trace)), batch_(std::move(records)) {
  const Totals totals = totalsOf(this->records());
  record_count_ = totals.records;
  bytes_ = totals.bytes;
}

ExportItem ExportItem::trace(trace::DecidedTracePtr trace) {
  return ExportItem(ItemKind::kTrace, std::move(trace), nullptr);
}

ExportItem ExportItem::lateRecords(SharedRecordBatch records) {
  return ExportItem(ItemKind::kLateRecords, nullptr, std::move(records));
}

ExportItem ExportItem::lateRecords(record::RecordBatch&& records) {
  return lateRecords(std::make_shared<const record::RecordBatch>(std::move(records)));
}

ExportItem ExportItem::streamed(record::RecordBatch&& records) {
  return ExportItem(ItemKind::kStreamed, nullptr,
                    std::make_shared<const record::RecordBatch>(std::move(records)));
}

ExportItem ExportItem::untracedLogs(SharedRecordBatch records) {
  return ExportItem(ItemKind::kUntracedLogs, nullptr, std::move(records));
}

ExportItem ExportItem::untracedLogs(record::RecordBatch&& records) {
  return untracedLogs(std::make_shared<const record::RecordBatch>(std::move(records)));
}

const record::RecordBatch& ExportItem::records() const noexcept {
  if (trace_) {
    return trace_->records;
  }
  if (batch_) {
    return *batch_;
  }
  return kEmptyBatch;
}

}  // namespace stitch::exporting
