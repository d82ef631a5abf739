#include "core/export/otlp_json.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_map>
#include <utility>

#include <simdjson.h>

#include "core/common/json_writer.h"

namespace stitch::exporting {
namespace {

using record::Record;
using record::RecordBatch;

namespace sj = simdjson;
namespace od = simdjson::ondemand;

// OTLP fixed64 times are unsigned: a negative time (a broken record) is written as 0.
std::uint64_t unsignedTime(std::int64_t ns) noexcept {
  return ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
}

// A 64-bit integer as the decimal string the proto3 JSON mapping requires.
void stringNumber(json::Writer& w, std::string_view name, std::uint64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  w.key(name).value(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
}

void hexId(json::Writer& w, std::string_view name, const record::TraceId& id) {
  const auto chars = id.hexChars();
  w.key(name).value(std::string_view(chars.data(), chars.size()));
}

void hexId(json::Writer& w, std::string_view name, const record::SpanId& id) {
  const auto chars = id.hexChars();
  w.key(name).value(std::string_view(chars.data(), chars.size()));
}

std::string_view trimWhitespace(std::string_view text) noexcept {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// "server", "SERVER", "SPAN_KIND_SERVER", ... -> otlp::kSpanKind*; 0 when not a kind.
int spanKindFromName(std::string_view name) noexcept {
  if (name.size() > 10 && equalsIgnoreCase(name.substr(0, 10), "span_kind_")) {
    name.remove_prefix(10);
  }
  static constexpr std::pair<std::string_view, int> kKinds[] = {
      {"internal", otlp::kSpanKindInternal}, {"server", otlp::kSpanKindServer},
      {"client", otlp::kSpanKindClient},     {"producer", otlp::kSpanKindProducer},
      {"consumer", otlp::kSpanKindConsumer},
  };
  for (const auto& [text, kind] : kKinds) {
    if (equalsIgnoreCase(name, text)) {
      return kind;
    }
  }
  return 0;
}

}  // namespace

void appendStringKeyValue(std::string& out, std::string_view key, std::string_view value) {
  out += "{\"key\":";
  json::appendString(out, key);
  out += ",\"value\":{\"stringValue\":";
  json::appendString(out, value);
  out += "}}";
}

void appendBoolKeyValue(std::string& out, std::string_view key, bool value) {
  out += "{\"key\":";
  json::appendString(out, key);
  out += value ? ",\"value\":{\"boolValue\":true}}" : ",\"value\":{\"boolValue\":false}}";
}

// ---------------------------------------------------------------------------------------------
// Attributes

class OtlpAttributeConverter::Impl {
public:
  int append(std::string_view text,
             std::string& out,
             bool out_has_items,
             std::string_view skip_key,
             int* span_kind) {
    if (trimWhitespace(text).empty()) {
      return 0;
    }
    padded_.resize(text.size() + sj::SIMDJSON_PADDING);
    std::memcpy(padded_.data(), text.data(), text.size());
    const std::size_t restore = out.size();
    int written = 0;
    int kind = 0;
    if (!convert(text.size(), out, out_has_items, skip_key, span_kind ? &kind : nullptr, written)) {
      out.resize(restore);
      return -1;
    }
    if (span_kind != nullptr && kind != 0) {
      *span_kind = kind;
    }
    return written;
  }

private:
  bool convert(std::size_t size,
               std::string& out,
               bool has_items,
               std::string_view skip_key,
               int* kind,
               int& written) {
    od::document doc;
    if (parser_.iterate(padded_.data(), size, padded_.size()).get(doc) != sj::SUCCESS) {
      return false;
    }
    od::object object;
    if (doc.get_object().get(object) != sj::SUCCESS) {
      return false;
    }
    for (auto member : object) {
      od::field field;
      if (std::move(member).get(field) != sj::SUCCESS) {
        return false;
      }
      std::string_view key;
      if (field.unescaped_key().get(key) != sj::SUCCESS) {
        return false;
      }
      od::value value = field.value();
      if (!skip_key.empty() && key == skip_key) {
        continue;  // ondemand skips the unread value
      }
      if (kind != nullptr && key == "span.kind") {
        od::json_type type;
        if (value.type().get(type) == sj::SUCCESS && type == od::json_type::string) {
          std::string_view name;
          if (value.get_string().get(name) != sj::SUCCESS) {
            return false;
          }
          if (const int k = spanKindFromName(name); k != 0) {
            *kind = k;
            continue;
          }
          if (has_items) {
            out += ',';
          }
          has_items = true;
          appendStringKeyValue(out, key, name);
          ++written;
          continue;
        }
      }
      if (has_items) {
        out += ',';
      }
      has_items = true;
      json::Writer w(out);
      w.beginObject();
      w.field("key", key);
      w.key("value");
      if (!writeAnyValue(value, w, 0)) {
        return false;
      }
      w.endObject();
      ++written;
    }
    // Everything after the object must be whitespace (3.0 has no document::at_end()).
    return doc.current_location().error() == sj::OUT_OF_BOUNDS;
  }

  // Writes one AnyValue object for `value`.
  bool writeAnyValue(od::value& value, json::Writer& w, int depth) {
    od::json_type type;
    if (value.type().get(type) != sj::SUCCESS) {
      return false;
    }
    switch (type) {
      case od::json_type::string: {
        std::string_view text;
        if (value.get_string().get(text) != sj::SUCCESS) {
          return false;
        }
        w.beginObject().field("stringValue", text).endObject();
        return true;
      }
      case od::json_type::boolean: {
        bool flag = false;
        if (value.get_bool().get(flag) != sj::SUCCESS) {
          return false;
        }
        w.beginObject().field("boolValue", flag).endObject();
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (value.is_null().get(is_null) != sj::SUCCESS || !is_null) {
          return false;
        }
        w.beginObject().endObject();  // an AnyValue with no value set: null
        return true;
      }
      case od::json_type::number:
        return writeNumber(value, w);
      case od::json_type::array:
        return writeArray(value, w, depth);
      case od::json_type::object:
        return writeObject(value, w, depth);
    }
    return false;
  }

  bool writeNumber(od::value& value, json::Writer& w) {
    od::number_type number_type;
    if (value.get_number_type().get(number_type) == sj::SUCCESS) {
      if (number_type == od::number_type::signed_integer) {
        std::int64_t n = 0;
        if (value.get_int64().get(n) == sj::SUCCESS) {
          char digits[24];
          const auto r = std::to_chars(digits, digits + sizeof(digits), n);
          w.beginObject()
              .field("intValue", std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)))
              .endObject();
          return true;
        }
      } else if (number_type == od::number_type::unsigned_integer) {
        std::uint64_t n = 0;
        if (value.get_uint64().get(n) == sj::SUCCESS) {
          // Beyond int64: intValue cannot hold it, a double would lose digits (often an id).
          char digits[24];
          const auto r = std::to_chars(digits, digits + sizeof(digits), n);
          w.beginObject()
              .field("stringValue",
                     std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)))
              .endObject();
          return true;
        }
      } else {
        double d = 0;
        if (value.get_double().get(d) == sj::SUCCESS) {
          w.beginObject().field("doubleValue", d).endObject();
          return true;
        }
      }
    }
    // A number no binary type holds (beyond 64 bits, out of double range): keep its digits.
    const std::string_view token = trimWhitespace(value.raw_json_token());
    if (token.empty() ||
        !(token.front() == '-' || (token.front() >= '0' && token.front() <= '9'))) {
      return false;
    }
    for (char c : token) {
      if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) {
        return false;
      }
    }
    w.beginObject().field("stringValue", token).endObject();
    return true;
  }

  bool writeTooDeep(od::value& value, json::Writer& w) {
    std::string_view text;
    if (sj::to_json_string(value).get(text) != sj::SUCCESS) {
      return false;
    }
    w.beginObject().field("stringValue", text).endObject();
    return true;
  }

  bool writeArray(od::value& value, json::Writer& w, int depth) {
    if (depth >= kMaxAttributeDepth) {
      return writeTooDeep(value, w);
    }
    od::array array;
    if (value.get_array().get(array) != sj::SUCCESS) {
      return false;
    }
    w.beginObject().key("arrayValue").beginObject();
    bool any = false;
    for (auto element : array) {
      od::value item;
      if (std::move(element).get(item) != sj::SUCCESS) {
        return false;
      }
      if (!any) {
        w.key("values").beginArray();
        any = true;
      }
      if (!writeAnyValue(item, w, depth + 1)) {
        return false;
      }
    }
    if (any) {
      w.endArray();
    }
    w.endObject().endObject();
    return true;
  }

  bool writeObject(od::value& value, json::Writer& w, int depth) {
    if (depth >= kMaxAttributeDepth) {
      return writeTooDeep(value, w);
    }
    od::object object;
    if (value.get_object().get(object) != sj::SUCCESS) {
      return false;
    }
    w.beginObject().key("kvlistValue").beginObject();
    bool any = false;
    for (auto member : object) {
      od::field field;
      if (std::move(member).get(field) != sj::SUCCESS) {
        return false;
      }
      std::string_view key;
      if (field.unescaped_key().get(key) != sj::SUCCESS) {
        return false;
      }
      if (!any) {
        w.key("values").beginArray();
        any = true;
      }
      w.beginObject().field("key", key).key("value");
      od::value item = field.value();
      if (!writeAnyValue(item, w, depth + 1)) {
        return false;
      }
      w.endObject();
    }
    if (any) {
      w.endArray();
    }
    w.endObject().endObject();
    return true;
  }

  od::parser parser_;
  std::string padded_;
};

OtlpAttributeConverter::OtlpAttributeConverter() : impl_(std::make_unique<Impl>()) {}
OtlpAttributeConverter::~OtlpAttributeConverter() = default;

int OtlpAttributeConverter::appendKeyValues(std::string_view json,
                                            std::string& out,
                                            bool out_has_items,
                                            std::string_view skip_key,
                                            int* span_kind) {
  return impl_->append(json, out, out_has_items, skip_key, span_kind);
}

// ---------------------------------------------------------------------------------------------
// Requests

namespace {

struct GroupKey {
  std::string_view service;
  std::string_view resource;
  friend bool operator==(const GroupKey&, const GroupKey&) = default;
};

struct GroupKeyHash {
  std::size_t operator()(const GroupKey& key) const noexcept {
    const std::size_t a = std::hash<std::string_view>()(key.service);
    const std::size_t b = std::hash<std::string_view>()(key.resource);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
};

// Accumulates encoded Span or LogRecord objects grouped by resource (service name and
// resource attributes) and cuts requests at max_bytes.
class RequestBuilder {
public:
  RequestBuilder(OtlpSignal signal,
                 std::size_t max_bytes,
                 OtlpAttributeConverter& attributes,
                 OtlpEncoderStats& stats)
      : signal_(signal), max_bytes_(max_bytes), attributes_(attributes), stats_(stats) {
    if (signal == OtlpSignal::kTraces) {
      open_ = "{\"resourceSpans\":[";
      group_scope_ = "\"scopeSpans\":[{\"spans\":[";
    } else {
      open_ = "{\"resourceLogs\":[";
      group_scope_ = "\"scopeLogs\":[{\"logRecords\":[";
    }
    reset();
  }

  void setOutput(std::vector<OtlpRequest>* out) noexcept { out_ = out; }

  // Adds one encoded message. `service` and `resource` must stay valid until flush().
  void add(std::string_view service,
           std::string_view resource,
           std::string_view unit,
           std::uint32_t records) {
    const GroupKey key{service, resource};
    auto it = index_.find(key);
    if (it != index_.end()) {
      Group& group = groups_[it->second];
      if (bytes_ + unit.size() + 1 > max_bytes_ && units_ > 0) {
        flush();
        add(service, resource, unit, records);
        return;
      }
      group.units += ',';
      group.units += unit;
      bytes_ += unit.size() + 1;
    } else {
      Group& group = newGroup(service, resource);
      const std::size_t extra = groupOverhead(group) + (active_ > 1 ? 1 : 0) + unit.size();
      if (bytes_ + extra > max_bytes_ && units_ > 0) {
        --active_;  // undo: the group moves to the next request
        flush();
        add(service, resource, unit, records);
        return;
      }
      index_.emplace(key, active_ - 1);
      group.units = unit;
      bytes_ += extra;
    }
    ++units_;
    records_ += records;
  }

  void flush() {
    if (units_ == 0) {
      return;
    }
    OtlpRequest request;
    request.signal = signal_;
    request.body.reserve(bytes_);
    request.body += open_;
    for (std::size_t i = 0; i < active_; ++i) {
      const Group& group = groups_[i];
      if (i > 0) {
        request.body += ',';
      }
      request.body += '{';
      if (!group.resource_json.empty()) {
        request.body += "\"resource\":";
        request.body += group.resource_json;
        request.body += ',';
      }
      request.body += group_scope_;
      request.body += group.units;
      request.body += kGroupClose;
    }
    request.body += kClose;
    if (signal_ == OtlpSignal::kTraces) {
      request.spans = units_;
    } else {
      request.log_records = units_;
    }
    request.records = records_;
    out_->push_back(std::move(request));
    reset();
  }

  void reset() {
    active_ = 0;
    index_.clear();
    units_ = 0;
    records_ = 0;
    bytes_ = open_.size() + kClose.size();
  }

private:
  static constexpr std::string_view kGroupClose = "]}]}";
  static constexpr std::string_view kClose = "]}";

  struct Group {
    std::string resource_json;  // the Resource message, or empty when it has no attributes
    std::string units;
  };

  std::size_t groupOverhead(const Group& group) const noexcept {
    std::size_t size = 1 + group_scope_.size() + kGroupClose.size();  // '{' ... "]}]}"
    if (!group.resource_json.empty()) {
      size += 12 + group.resource_json.size() + 1;  // "resource": ... ,
    }
    return size;
  }

  Group& newGroup(std::string_view service, std::string_view resource) {
    if (active_ == groups_.size()) {
      groups_.emplace_back();
    }
    Group& group = groups_[active_++];
    group.units.clear();
    group.resource_json.clear();
    scratch_.clear();
    int count = 0;
    if (!service.empty()) {
      appendStringKeyValue(scratch_, "service.name", service);
      ++count;
    }
    if (!resource.empty()) {
      const int n = attributes_.appendKeyValues(resource, scratch_, count > 0,
                                                service.empty() ? "" : "service.name");
      if (n < 0) {
        ++stats_.attribute_errors;
      } else {
        count += n;
      }
    }
    if (count > 0) {
      group.resource_json = "{\"attributes\":[";
      group.resource_json += scratch_;
      group.resource_json += "]}";
    }
    return group;
  }

  OtlpSignal signal_;
  std::size_t max_bytes_;
  OtlpAttributeConverter& attributes_;
  OtlpEncoderStats& stats_;
  std::vector<OtlpRequest>* out_ = nullptr;
  std::string_view open_;
  std::string_view group_scope_;
  std::vector<Group> groups_;  // [0, active_) in use; the rest keep their capacity
  std::size_t active_ = 0;
  std::unordered_map<GroupKey, std::size_t, GroupKeyHash> index_;
  std::uint32_t units_ = 0;
  std::uint32_t records_ = 0;
  std::size_t bytes_ = 0;
  std::string scratch_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Encoder

class OtlpEncoder::Impl {
public:
  Impl(const OtlpEncoderOptions& options, OtlpEncoderStats& stats)
      : options_(options),
        stats_(stats),
        spans_(OtlpSignal::kTraces, options.max_request_bytes, attributes_, stats),
        logs_(OtlpSignal::kLogs, options.max_request_bytes, attributes_, stats) {}

  void encode(std::span<const ExportItem> items, std::vector<OtlpRequest>& out) {
    // Span requests first: logs that refer to spans arrive after them.
    std::vector<OtlpRequest> log_requests;
    spans_.setOutput(&out);
    logs_.setOutput(&log_requests);
    for (const ExportItem& item : items) {
      if (item.empty()) {
        continue;
      }
      if (item.kind() == ItemKind::kTrace) {
        encodeTrace(*item.decidedTrace());
      } else {
        encodeLoose(item.records());
      }
    }
    spans_.flush();
    logs_.flush();
    for (auto& request : log_requests) {
      out.push_back(std::move(request));
    }
    spans_.setOutput(nullptr);
    logs_.setOutput(nullptr);
  }

private:
  static bool canBeSpan(const Record& r) noexcept {
    return r.isSpan() && r.hasTraceContext() && r.span_id.isValid();
  }

  // Late, streamed and untraced records: no tree, so no span events.
  void encodeLoose(const RecordBatch& records) {
    for (const auto& record : records) {
      if (!record) {
        continue;
      }
      if (canBeSpan(*record)) {
        addSpan(*record, nullptr, {}, false);
      } else {
        addLog(*record);
      }
    }
  }

  void encodeTrace(const trace::DecidedTrace& trace) {
    const RecordBatch& records = trace.records;
    done_.assign(records.size(), 0);
    const auto valid = [&](std::int32_t index) {
      return index >= 0 && static_cast<std::size_t>(index) < records.size() && records[index] &&
             done_[index] == 0;
    };
    const bool events_in_spans =
        options_.traces && options_.log_events != LogEventMode::kLogRecords;
    // Whether a log event carried in its span is that record's one delivery (else its
    // LogRecord is, and it is not marked done here).
    const bool events_counted_in_spans =
        events_in_spans && (options_.log_events == LogEventMode::kSpanEvents || !options_.logs);
    if (events_in_spans) {
      for (const trace::Span& span : trace.tree.spans) {
        events_.clear();
        for (const std::int32_t e : span.events) {
          if (valid(e) && !records[e]->isSpan()) {
            events_.push_back(e);
          }
        }
        bool emitted = false;
        if (valid(span.record) && canBeSpan(*records[span.record])) {
          addSpan(*records[span.record], &records, events_, events_counted_in_spans);
          done_[span.record] = 1;
          emitted = true;
        } else if (span.record < 0 && !events_.empty() && span.span_id.isValid()) {
          addSyntheticSpan(trace, span, records, events_counted_in_spans);
          emitted = true;
        }
        if (emitted && events_counted_in_spans) {
          for (const std::int32_t e : events_) {
            done_[e] = 1;
          }
        }
        for (const std::int32_t d : span.duplicates) {
          if (valid(d) && canBeSpan(*records[d])) {
            addSpan(*records[d], nullptr, {}, false);
            done_[d] = 1;
          }
        }
      }
    }
    // Everything not carried above, and everything when the tree is not used: each span
    // record once as a span, each other record once as a log record.
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (!records[i] || done_[i] != 0) {
        continue;
      }
      if (canBeSpan(*records[i])) {
        addSpan(*records[i], nullptr, {}, false);
      } else {
        addLog(*records[i]);
      }
    }
  }

  // Appends record attributes (and extras) to attrs_; returns whether any were written.
  bool buildAttributes(const Record& r, int* span_kind) {
    attrs_.clear();
    bool any = false;
    if (!r.attributesJson().empty()) {
      const int n = attributes_.appendKeyValues(r.attributesJson(), attrs_, false, {}, span_kind);
      if (n < 0) {
        ++stats_.attribute_errors;
      } else {
        any = n > 0;
      }
    }
    return any;
  }

  void addExtra(bool& any, std::string_view key, std::string_view value) {
    if (value.empty()) {
      return;
    }
    if (any) {
      attrs_ += ',';
    }
    appendStringKeyValue(attrs_, key, value);
    any = true;
  }

  static void writeAttributes(json::Writer& w, const std::string& attrs) {
    w.key("attributes").beginArray().raw(attrs).endArray();
  }

  void writeEvent(json::Writer& w, const Record& e) {
    bool any = buildAttributes(e, nullptr);
    addExtra(any, "level", e.severityText());
    addExtra(any, "exception.message", e.errorText());
    w.beginObject();
    stringNumber(w, "timeUnixNano", unsignedTime(e.timestamp_ns));
    std::string_view name = e.messageText();
    if (name.empty()) {
      name = e.severityText().empty() ? std::string_view("log") : e.severityText();
    }
    w.field("name", name);
    if (any) {
      writeAttributes(w, attrs_);
    }
    w.endObject();
  }

  void writeEvents(json::Writer& w,
                   const RecordBatch& records,
                   std::span<const std::int32_t> events) {
    if (events.empty()) {
      return;
    }
    w.key("events").beginArray();
    for (const std::int32_t e : events) {
      writeEvent(w, *records[e]);
    }
    w.endArray();
  }

  void addSpan(const Record& r,
               const RecordBatch* records,
               std::span<const std::int32_t> events,
               bool events_counted) {
    if (!options_.traces) {
      ++stats_.skipped_records;
      return;
    }
    int kind = otlp::kSpanKindInternal;
    bool any = buildAttributes(r, &kind);
    if (!r.operationName().empty()) {
      addExtra(any, "message", r.messageText());
    }
    const bool error = r.status == record::Status::kError;
    if (!error) {
      addExtra(any, "exception.message", r.errorText());
    }
    unit_.clear();
    json::Writer w(unit_);
    w.beginObject();
    hexId(w, "traceId", r.trace_id);
    hexId(w, "spanId", r.span_id);
    if (r.parent_span_id.isValid()) {
      hexId(w, "parentSpanId", r.parent_span_id);
    }
    if (!r.tracestateText().empty()) {
      w.field("traceState", r.tracestateText());
    }
    if ((r.flags & record::flag::kHasTraceFlags) != 0 && r.trace_flags != 0) {
      w.field("flags", static_cast<std::uint64_t>(r.trace_flags));
    }
    const std::string_view name = !r.operationName().empty() ? r.operationName() : r.messageText();
    if (!name.empty()) {
      w.field("name", name);
    }
    w.field("kind", kind);
    stringNumber(w, "startTimeUnixNano", unsignedTime(r.start_ns));
    stringNumber(w, "endTimeUnixNano", unsignedTime(r.endNs()));
    if (any) {
      writeAttributes(w, attrs_);
    }
    if (records != nullptr) {
      writeEvents(w, *records, events);
    }
    writeStatus(w, r.status, error ? r.errorText() : std::string_view());
    w.endObject();
    const std::uint32_t carried =
        1 + (events_counted ? static_cast<std::uint32_t>(events.size()) : 0);
    spans_.add(r.serviceName(), r.resourceJson(), unit_, carried);
  }

  static void writeStatus(json::Writer& w, record::Status status, std::string_view message) {
    const int code = static_cast<int>(status);  // Status follows OTLP's StatusCode order
    if (code == otlp::kStatusUnset && message.empty()) {
      return;
    }
    w.key("status").beginObject();
    if (!message.empty()) {
      w.field("message", message);
    }
    if (code != otlp::kStatusUnset) {
      w.field("code", code);
    }
    w.endObject();
  }

  void addSyntheticSpan(const trace::DecidedTrace& trace,
                        const trace::Span& span,
                        const RecordBatch& records,
                        bool events_counted) {
    const Record& first = *records[events_[0]];
    std::string_view name;
    std::string_view tracestate;
    std::string_view error_text;
    std::uint8_t trace_flags = 0;
    bool has_flags = false;
    bool error = false;
    for (const std::int32_t e : events_) {
      const Record& r = *records[e];
      if (name.empty()) {
        name = r.operationName();
      }
      if (tracestate.empty()) {
        tracestate = r.tracestateText();
      }
      if (!has_flags && (r.flags & record::flag::kHasTraceFlags) != 0) {
        trace_flags = r.trace_flags;
        has_flags = true;
      }
      if (r.status == record::Status::kError || r.severity_number >= otlp::kSeverityError) {
        error = true;
        if (error_text.empty()) {
          error_text = r.errorText();
        }
      }
    }
    attrs_.clear();
    appendBoolKeyValue(attrs_, "stitch.synthetic", true);
    unit_.clear();
    json::Writer w(unit_);
    w.beginObject();
    hexId(w, "traceId", trace.trace_id);
    hexId(w, "spanId", span.span_id);
    if (span.parent_span_id.isValid()) {
      hexId(w, "parentSpanId", span.parent_span_id);
    }
    if (!tracestate.empty()) {
      w.field("traceState", tracestate);
    }
    if (has_flags && trace_flags != 0) {
      w.field("flags", static_cast<std::uint64_t>(trace_flags));
    }
    if (!name.empty()) {
      w.field("name", name);
    }
    w.field("kind", otlp::kSpanKindInternal);
    stringNumber(w, "startTimeUnixNano", unsignedTime(span.start_ns));
    stringNumber(w, "endTimeUnixNano",
                 unsignedTime(span.start_ns + std::max<std::int64_t>(0, span.duration_ns)));
    writeAttributes(w, attrs_);
    writeEvents(w, records, events_);
    writeStatus(w, error ? record::Status::kError : record::Status::kUnset, error_text);
    w.endObject();
    ++stats_.synthetic_spans;
    const std::uint32_t carried = events_counted ? static_cast<std::uint32_t>(events_.size()) : 0;
    spans_.add(first.serviceName(), first.resourceJson(), unit_, carried);
  }

  void addLog(const Record& r) {
    if (!options_.logs) {
      ++stats_.skipped_records;
      return;
    }
    bool any = buildAttributes(r, nullptr);
    addExtra(any, "exception.message", r.errorText());
    unit_.clear();
    json::Writer w(unit_);
    w.beginObject();
    if ((r.flags & record::flag::kTimestampFromReceive) == 0) {
      stringNumber(w, "timeUnixNano", unsignedTime(r.timestamp_ns));
    }
    // stitch keeps no separate receive time: the record's time (its receive time when it
    // carried none) is the best observed time there is.
    stringNumber(w, "observedTimeUnixNano", unsignedTime(r.timestamp_ns));
    if (r.severity_number >= 1 && r.severity_number <= 24) {
      w.field("severityNumber", static_cast<int>(r.severity_number));
    }
    if (!r.severityText().empty()) {
      w.field("severityText", r.severityText());
    }
    if (!r.messageText().empty()) {
      w.key("body").beginObject().field("stringValue", r.messageText()).endObject();
    }
    if (any) {
      writeAttributes(w, attrs_);
    }
    if (r.hasTraceContext()) {
      if ((r.flags & record::flag::kHasTraceFlags) != 0 && r.trace_flags != 0) {
        w.field("flags", static_cast<std::uint64_t>(r.trace_flags));
      }
      hexId(w, "traceId", r.trace_id);
      if (r.span_id.isValid()) {
        hexId(w, "spanId", r.span_id);
      }
    }
    w.endObject();
    logs_.add(r.serviceName(), r.resourceJson(), unit_, 1);
  }

  const OtlpEncoderOptions& options_;
  OtlpEncoderStats& stats_;
  OtlpAttributeConverter attributes_;
  RequestBuilder spans_;
  RequestBuilder logs_;
  std::string unit_;
  std::string attrs_;
  std::vector<std::uint8_t> done_;
  std::vector<std::int32_t> events_;
};

OtlpEncoder::OtlpEncoder(const OtlpEncoderOptions& options)
    : options_(options), impl_(std::make_unique<Impl>(options_, stats_)) {}

OtlpEncoder::~OtlpEncoder() = default;

void OtlpEncoder::encode(std::span<const ExportItem> items, std::vector<OtlpRequest>& out) {
  impl_->encode(items, out);
}

}  // namespace stitch::exporting
