#include "core/export/ndjson_encoder.h"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

#include "core/common/json_writer.h"

namespace stitch::exporting {

// Checks that a line is exactly one valid JSON object (simdjson DOM: full validation).
class NdjsonEncoder::ObjectValidator {
public:
  bool isObject(std::string_view text) {
    if (text.empty() || text.front() != '{') {
      return false;  // cheap rejection before the copy
    }
    padded_.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded_.data(), text.data(), text.size());
    simdjson::dom::element element;
    if (parser_.parse(padded_.data(), text.size(), false).get(element) != simdjson::SUCCESS) {
      return false;
    }
    return element.type() == simdjson::dom::element_type::OBJECT;
  }

private:
  simdjson::dom::parser parser_;
  std::string padded_;
};

NdjsonEncoder::NdjsonEncoder(NdjsonMode mode)
    : mode_(mode), validator_(std::make_unique<ObjectValidator>()) {}

NdjsonEncoder::~NdjsonEncoder() = default;

void NdjsonEncoder::appendRecordLine(std::string_view raw, std::string& out) {
  const std::size_t start = out.size();
  out += raw;
  // A record is one line by construction; keep it so even if a transport let a CR or LF in.
  if (std::memchr(raw.data(), '\n', raw.size()) != nullptr ||
      std::memchr(raw.data(), '\r', raw.size()) != nullptr) {
    std::replace_if(
        out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
        [](char c) { return c == '\n' || c == '\r'; }, ' ');
  }
  out += '\n';
  ++stats_.records;
  ++stats_.lines;
}

void NdjsonEncoder::appendRecordObject(std::string_view raw, std::string& out) {
  // The writer placed the separating comma already; `raw` becomes one array element.
  if (validator_->isObject(raw)) {
    // Valid JSON has no raw CR/LF inside strings, and whitespace outside them may be a space.
    const std::size_t start = out.size();
    out += raw;
    std::replace_if(
        out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
        [](char c) { return c == '\n' || c == '\r'; }, ' ');
  } else {
    ++stats_.invalid_raw;
    out += "{\"raw\":";
    json::appendString(out, raw);
    out += '}';
  }
  ++stats_.records;
}

void NdjsonEncoder::appendTrace(const trace::DecidedTrace& trace, std::string& out) {
  json::Writer w(out);
  w.beginObject();
  const auto id = trace.trace_id.hexChars();
  w.field("trace_id", std::string_view(id.data(), id.size()));
  w.key("decision").beginObject();
  w.field("decision", trace.decision.decision == trace::Decision::kKeep ? "keep" : "drop");
  w.field("policy", trace.decision.policy);
  w.field("decided_at_ns", static_cast<std::int64_t>(trace.decision.decided_at_ns));
  w.field("early", trace.decision.early);
  w.endObject();
  const trace::TraceSummary& s = trace.summary;
  w.key("summary").beginObject();
  w.field("start_ns", static_cast<std::int64_t>(s.start_ns));
  w.field("duration_ns", s.duration_ns);
  w.field("root_service", s.root_service);
  w.field("root_operation", s.root_operation);
  w.key("services").beginArray();
  for (const auto& service : s.services) {
    w.value(service);
  }
  w.endArray();
  w.field("error", s.error);
  w.field("span_count", static_cast<std::uint64_t>(s.span_count));
  w.field("record_count", static_cast<std::uint64_t>(s.record_count));
  w.field("bytes", s.bytes);
  w.endObject();
  if (!trace.tree.warnings.empty()) {
    w.key("warnings").beginArray();
    for (const auto& warning : trace.tree.warnings) {
      w.value(warning);
    }
    w.endArray();
  }
  w.key("records").beginArray();
  for (const auto& record : trace.records) {
    if (record) {
      w.raw("");  // places the comma
      appendRecordObject(record->raw(), out);
    }
  }
  w.endArray();
  w.endObject();
  out += '\n';
  ++stats_.lines;
}

void NdjsonEncoder::appendParts(const record::RecordBatch& records,
                                std::string_view marker,
                                std::string& out) {
  order_.clear();
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    if (records[i]) {
      order_.push_back(i);
    }
  }
  // Group by trace, keeping arrival order inside each group.
  std::stable_sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const record::Record& ra = *records[a];
    const record::Record& rb = *records[b];
    if (ra.hasTraceContext() != rb.hasTraceContext()) {
      return ra.hasTraceContext();
    }
    return ra.hasTraceContext() && ra.trace_id < rb.trace_id;
  });
  std::size_t i = 0;
  while (i < order_.size()) {
    const record::Record& first = *records[order_[i]];
    if (!first.hasTraceContext()) {
      for (; i < order_.size(); ++i) {
        appendRecordLine(records[order_[i]]->raw(), out);
      }
      break;
    }
    json::Writer w(out);
    w.beginObject();
    const auto id = first.trace_id.hexChars();
    w.field("trace_id", std::string_view(id.data(), id.size()));
    w.field(marker, true);
    w.key("records").beginArray();
    for (; i < order_.size(); ++i) {
      const record::Record& r = *records[order_[i]];
      if (!r.hasTraceContext() || r.trace_id != first.trace_id) {
        break;
      }
      w.raw("");
      appendRecordObject(r.raw(), out);
    }
    w.endArray();
    w.endObject();
    out += '\n';
    ++stats_.lines;
  }
}

void NdjsonEncoder::encode(std::span<const ExportItem> items, std::string& out) {
  if (!items.empty()) {
    record::prefetch(items.front().records());
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + 1 < items.size()) {
      record::prefetch(items[i + 1].records());
    }
    encode(items[i], out);
  }
}

void NdjsonEncoder::encode(const ExportItem& item, std::string& out) {
  if (item.empty()) {
    return;
  }
  if (mode_ == NdjsonMode::kPerTrace) {
    if (item.kind() == ItemKind::kTrace) {
      appendTrace(*item.decidedTrace(), out);
      return;
    }
    if (item.kind() == ItemKind::kLateRecords) {
      appendParts(item.records(), "late", out);
      return;
    }
    if (item.kind() == ItemKind::kStreamed) {
      appendParts(item.records(), "streamed", out);
      return;
    }
  }
  // A batch's lines were written on another core: load each record's header a few records
  // ahead, then its line a little less far ahead, so that the copies below overlap the misses.
  constexpr std::size_t kHeaderAhead = 8;
  constexpr std::size_t kRawAhead = 4;
  const record::RecordBatch& records = item.records();
  const std::size_t n = records.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kHeaderAhead < n && records[i + kHeaderAhead]) {
      record::prefetch(records[i + kHeaderAhead].get());
    }
    if (i + kRawAhead < n && records[i + kRawAhead]) {
      record::prefetchRaw(records[i + kRawAhead].get());
    }
    if (records[i]) {
      appendRecordLine(records[i]->raw(), out);
    }
  }
}

}  // namespace stitch::exporting
