#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/export/export_item.h"
#include "core/export/exporter_config.h"

namespace stitch::exporting {

struct NdjsonStats {
  std::uint64_t records = 0;      // records written
  std::uint64_t lines = 0;        // lines written
  std::uint64_t invalid_raw = 0;  // per_trace: lines that were not a JSON object, wrapped
};

// Encodes export items as newline-delimited JSON.
//
// per_record: one line per record, its original line untouched (a CR or LF inside it, which a
// line-framed transport cannot produce, becomes a space so that one record stays one line).
//
// per_trace: one JSON object per kept trace:
//   {"trace_id":"<32 hex>","decision":{...},"summary":{...},"warnings":[...],"records":[...]}
// where records holds each record's original JSON object in arrival order. A line that is not
// a valid JSON object (never produced by the decoder, but guarded) is embedded as
// {"raw":"<the line as a string>"} so that the output stays valid JSON. Late records are
// grouped per trace as {"trace_id":...,"late":true,"records":[...]}; untraced logs are
// written one line per record as in per_record.
// Threading: one instance per exporter worker.
class NdjsonEncoder {
public:
  explicit NdjsonEncoder(NdjsonMode mode);
  ~NdjsonEncoder();
  NdjsonEncoder(const NdjsonEncoder&) = delete;
  NdjsonEncoder& operator=(const NdjsonEncoder&) = delete;

  // Appends the lines of `item` to `out`, each ending in '\n'.
  void encode(const ExportItem& item, std::string& out);
  // The same for each item in turn, loading the next item's records into the cache while one
  // is encoded.
  void encode(std::span<const ExportItem> items, std::string& out);

  NdjsonMode mode() const noexcept { return mode_; }
  const NdjsonStats& stats() const noexcept { return stats_; }

private:
  class ObjectValidator;

  void appendRecordLine(std::string_view raw, std::string& out);
  void appendRecordObject(std::string_view raw, std::string& out);
  void appendTrace(const trace::DecidedTrace& trace, std::string& out);
  // Late or streamed records: one object per trace, flagged with `marker` ("late",
  // "streamed"); untraced records of the batch as plain lines.
  void appendParts(const record::RecordBatch& records, std::string_view marker, std::string& out);

  NdjsonMode mode_;
  NdjsonStats stats_;
  std::unique_ptr<ObjectValidator> validator_;
  std::vector<std::uint32_t> order_;  // scratch: late records sorted by trace
};

}  // namespace stitch::exporting
