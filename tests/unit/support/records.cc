#include "tests/unit/support/records.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>

namespace stitch::test {

RecordPtr makeRecord(const RecordSpec& spec) {
  std::string line = "{\"msg\":\"" + spec.message + "\",\"service\":\"" + spec.service + "\"";
  if (spec.trace.isValid()) {
    line += ",\"trace_id\":\"" + spec.trace.hex() + "\"";
  }
  if (spec.span.isValid()) {
    line += ",\"span_id\":\"" + spec.span.hex() + "\"";
  }
  if (spec.parent.isValid()) {
    line += ",\"parent_span_id\":\"" + spec.parent.hex() + "\"";
  }
  if (!spec.attributes.empty()) {
    line += ",\"attrs\":" + spec.attributes;
  }
  line += "}";
  if (line.size() < spec.pad_to) {
    line.insert(line.size() - 1,
                ",\"pad\":\"" + std::string(spec.pad_to - line.size(), 'x') + "\"");
  }

  record::RecordBuilder builder;
  builder.reset(line);
  record::RecordFields& f = builder.fields();
  f.timestamp_ns =
      spec.duration_ms >= 0 ? spec.start_ns + spec.duration_ms * kNanosPerMilli : spec.start_ns;
  if (spec.duration_ms >= 0) {
    f.start_ns = spec.start_ns;
    f.duration_ns = spec.duration_ms * kNanosPerMilli;
  }
  f.trace_id = spec.trace;
  f.span_id = spec.span;
  f.parent_span_id = spec.parent;
  f.context =
      spec.trace.isValid() ? record::ContextProblem::kNone : record::ContextProblem::kMissing;
  if (spec.trace_flags) {
    f.trace_flags = *spec.trace_flags;
    f.flags |= record::flag::kHasTraceFlags;
  }
  f.status = spec.status;
  f.severity_number = spec.severity;
  f.format = record::Format::kCanonical;
  f.service = builder.copy(spec.service);
  f.operation = builder.copy(spec.operation);
  f.message = builder.copy(spec.message);
  f.tracestate = builder.copy(spec.tracestate);
  f.attributes = builder.copy(spec.attributes);
  return builder.build();
}

RecordPtr makeSpan(const TraceId& trace,
                   std::uint64_t span,
                   std::uint64_t parent,
                   std::int64_t start_ms,
                   std::int64_t duration_ms,
                   std::string service,
                   std::string operation) {
  RecordSpec spec;
  spec.trace = trace;
  spec.span = SpanId{span};
  spec.parent = SpanId{parent};
  spec.start_ns = kBaseNs + start_ms * kNanosPerMilli;
  spec.duration_ms = duration_ms;
  spec.service = std::move(service);
  spec.operation = std::move(operation);
  return makeRecord(spec);
}

RecordPtr makeEvent(const TraceId& trace,
                    std::uint64_t span,
                    std::uint64_t parent,
                    std::int64_t at_ms,
                    std::string service) {
  RecordSpec spec;
  spec.trace = trace;
  spec.span = SpanId{span};
  spec.parent = SpanId{parent};
  spec.start_ns = kBaseNs + at_ms * kNanosPerMilli;
  spec.service = std::move(service);
  return makeRecord(spec);
}

namespace {

// Minimal reader of a flat JSON object without escapes: enough for tests.
class FlatReader {
public:
  explicit FlatReader(std::string_view text) : text_(text) {}
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool consume(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::optional<std::string_view> string() {
    if (!consume('"')) {
      return std::nullopt;
    }
    const std::size_t end = text_.find('"', pos_);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view value = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return value;
  }
  std::optional<sampling::AttributeValue> value() {
    skipSpace();
    if (pos_ >= text_.size()) {
      return std::nullopt;
    }
    if (text_[pos_] == '"') {
      const auto s = string();
      return s ? std::optional(sampling::AttributeValue::ofString(std::string(*s))) : std::nullopt;
    }
    if (text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      return sampling::AttributeValue::ofBool(true);
    }
    if (text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      return sampling::AttributeValue::ofBool(false);
    }
    const std::size_t end = text_.find_first_of(",}", pos_);
    const std::string number(text_.substr(pos_, end - pos_));
    pos_ = end;
    char* parsed_end = nullptr;
    const double v = std::strtod(number.c_str(), &parsed_end);
    if (parsed_end == number.c_str()) {
      return std::nullopt;
    }
    return sampling::AttributeValue::ofNumber(v);
  }

private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<sampling::AttributeValue> FlatJsonAttributes::find(const record::Record& record,
                                                                 std::string_view key) const {
  FlatReader reader(record.attributesJson());
  if (!reader.consume('{')) {
    return std::nullopt;
  }
  while (true) {
    const auto name = reader.string();
    if (!name || !reader.consume(':')) {
      return std::nullopt;
    }
    auto value = reader.value();
    if (!value) {
      return std::nullopt;
    }
    if (*name == key) {
      return value;
    }
    if (!reader.consume(',')) {
      return std::nullopt;
    }
  }
}

}  // namespace stitch::test
