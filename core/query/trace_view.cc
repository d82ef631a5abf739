#include "core/query/trace_view.h"

#include <simdjson.h>

#include "core/common/json_writer.h"
#include "core/query/time_format.h"

namespace stitch::query {
namespace {

constexpr std::uint8_t kSeverityError = 17;

// Deep span trees nest two JSON levels per span; simdjson's default limit is 1024.
constexpr std::size_t kMaxJsonDepth = 1 << 16;

simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string_view statusName(record::Status status) noexcept {
  switch (status) {
    case record::Status::kOk:
      return "ok";
    case record::Status::kError:
      return "error";
    case record::Status::kUnset:
      return "unset";
  }
  return "unset";
}

std::optional<record::Status> statusFromName(std::string_view name) noexcept {
  if (name == "ok") {
    return record::Status::kOk;
  }
  if (name == "error") {
    return record::Status::kError;
  }
  if (name == "unset") {
    return record::Status::kUnset;
  }
  return std::nullopt;
}

struct FlagName {
  std::uint8_t bit;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {{trace::span_flag::kSynthetic, "synthetic"},
                                   {trace::span_flag::kOrphan, "orphan"},
                                   {trace::span_flag::kDuplicate, "duplicate"},
                                   {trace::span_flag::kCycle, "cycle"}};

bool recordIsError(const record::Record& r) noexcept {
  return r.status == record::Status::kError || r.severity_number >= kSeverityError ||
         !r.errorText().empty();
}

LogView makeLog(const record::Record& r) {
  LogView log;
  log.time_ns = r.timestamp_ns;
  log.severity = r.severityText().empty() ? std::string(severityName(r.severity_number))
                                          : std::string(r.severityText());
  log.message = std::string(r.messageText());
  log.error_text = std::string(r.errorText());
  log.error = recordIsError(r);
  if (isJsonObject(r.raw())) {
    log.record_json = std::string(r.raw());
  }
  return log;
}

// ---- rendering

void writeLog(json::Writer& w, const LogView& log) {
  w.beginObject();
  w.field("time", formatRfc3339(log.time_ns));
  w.field("time_ns", static_cast<std::int64_t>(log.time_ns));
  w.field("severity", log.severity);
  w.field("message", log.message);
  w.field("error", log.error);
  if (!log.error_text.empty()) {
    w.field("error_message", log.error_text);
  }
  w.key("record");
  if (log.record_json.empty()) {
    w.null();
  } else {
    w.raw(log.record_json);
  }
  w.endObject();
}

void writeSpan(json::Writer& w, const TraceView& view, const SpanView& span) {
  w.beginObject();
  w.field("span_id", span.span_id);
  w.key("parent_span_id");
  if (span.parent_span_id.empty()) {
    w.null();
  } else {
    w.value(span.parent_span_id);
  }
  w.field("service", span.service);
  w.field("operation", span.operation);
  w.field("start", formatRfc3339(span.start_ns));
  w.field("start_ns", static_cast<std::int64_t>(span.start_ns));
  w.field("duration_ms", nanosToMillis(span.duration_ns));
  w.field("duration_ns", static_cast<std::int64_t>(span.duration_ns));
  w.field("self_ms", nanosToMillis(span.self_ns));
  w.key("share_of_parent");
  if (span.share_of_parent < 0) {
    w.null();
  } else {
    w.value(span.share_of_parent);
  }
  w.field("depth", span.depth);
  w.field("status", statusName(span.status));
  w.field("error", span.error);
  if (!span.error_message.empty()) {
    w.field("error_message", span.error_message);
  }
  w.key("flags").beginArray();
  for (const auto& f : kFlagNames) {
    if ((span.flags & f.bit) != 0) {
      w.value(f.name);
    }
  }
  w.endArray();
  w.field("duplicates", span.duplicates);
  w.key("attributes");
  if (span.attributes_json.empty()) {
    w.null();
  } else {
    w.raw(span.attributes_json);
  }
  w.key("logs").beginArray();
  for (const LogView& log : span.logs) {
    writeLog(w, log);
  }
  w.endArray();
  w.key("children").beginArray();
  for (const std::int32_t child : span.children) {
    writeSpan(w, view, view.spans[child]);
  }
  w.endArray();
  w.endObject();
}

// ---- parsing

using simdjson::dom::element;
using simdjson::dom::object;

struct Parser {
  std::string error;

  bool fail(std::string_view member, std::string_view what) {
    if (error.empty()) {
      error = std::string(member) + ": " + std::string(what);
    }
    return false;
  }
  bool string(object o, std::string_view key, std::string& out, bool required = true) {
    auto v = o.at_key(key);
    if (v.error() == simdjson::NO_SUCH_FIELD || (!required && v.is_null())) {
      return !required || fail(key, "missing");
    }
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      return fail(key, "not a string");
    }
    out.assign(s);
    return true;
  }
  bool integer(object o, std::string_view key, std::int64_t& out) {
    if (o.at_key(key).get_int64().get(out) != simdjson::SUCCESS) {
      return fail(key, "missing or not an integer");
    }
    return true;
  }
  bool boolean(object o, std::string_view key, bool& out) {
    if (o.at_key(key).get_bool().get(out) != simdjson::SUCCESS) {
      return fail(key, "missing or not a boolean");
    }
    return true;
  }
  bool log(element e, LogView& log) {
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) {
      return fail("logs[]", "not an object");
    }
    std::int64_t time = 0;
    if (!integer(o, "time_ns", time) || !string(o, "severity", log.severity) ||
        !string(o, "message", log.message) || !boolean(o, "error", log.error) ||
        !string(o, "error_message", log.error_text, false)) {
      return false;
    }
    log.time_ns = time;
    auto record = o.at_key("record");
    if (record.error() == simdjson::SUCCESS && record.is_object()) {
      log.record_json = simdjson::minify(record.value());
    }
    return true;
  }
  bool logs(object o, std::vector<LogView>& out) {
    simdjson::dom::array a;
    if (o.at_key("logs").get_array().get(a) != simdjson::SUCCESS) {
      return fail("logs", "missing or not an array");
    }
    for (element e : a) {
      if (!log(e, out.emplace_back())) {
        return false;
      }
    }
    return true;
  }
  bool span(element e, TraceView& view, std::int32_t parent) {
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) {
      return fail("spans[]", "not an object");
    }
    const auto index = static_cast<std::int32_t>(view.spans.size());
    view.spans.emplace_back();
    if (parent >= 0) {
      view.spans[parent].children.push_back(index);
    } else {
      view.roots.push_back(index);
    }
    SpanView s;
    std::int64_t start = 0;
    std::int64_t depth = 0;
    std::int64_t duplicates = 0;
    std::string status;
    if (!string(o, "span_id", s.span_id) || !string(o, "parent_span_id", s.parent_span_id, false) ||
        !string(o, "service", s.service) || !string(o, "operation", s.operation) ||
        !integer(o, "start_ns", start) || !integer(o, "duration_ns", s.duration_ns) ||
        !integer(o, "depth", depth) || !string(o, "status", status) ||
        !boolean(o, "error", s.error) || !string(o, "error_message", s.error_message, false) ||
        !integer(o, "duplicates", duplicates)) {
      return false;
    }
    s.start_ns = start;
    s.depth = static_cast<std::int32_t>(depth);
    s.duplicates = static_cast<std::uint32_t>(duplicates);
    const auto parsed_status = statusFromName(status);
    if (!parsed_status) {
      return fail("status", "not one of unset, ok, error");
    }
    s.status = *parsed_status;
    double self_ms = 0;
    if (o.at_key("self_ms").get_double().get(self_ms) != simdjson::SUCCESS) {
      return fail("self_ms", "missing or not a number");
    }
    s.self_ns = static_cast<std::int64_t>(self_ms * 1e6 + (self_ms >= 0 ? 0.5 : -0.5));
    auto share = o.at_key("share_of_parent");
    if (share.error() == simdjson::SUCCESS && !share.is_null()) {
      if (share.get_double().get(s.share_of_parent) != simdjson::SUCCESS) {
        return fail("share_of_parent", "not a number");
      }
    }
    simdjson::dom::array flags;
    if (o.at_key("flags").get_array().get(flags) != simdjson::SUCCESS) {
      return fail("flags", "missing or not an array");
    }
    for (element f : flags) {
      std::string_view name;
      if (f.get_string().get(name) != simdjson::SUCCESS) {
        return fail("flags", "not strings");
      }
      for (const auto& known : kFlagNames) {
        if (known.name == name) {
          s.flags |= known.bit;
        }
      }
    }
    auto attributes = o.at_key("attributes");
    if (attributes.error() == simdjson::SUCCESS && attributes.is_object()) {
      s.attributes_json = simdjson::minify(attributes.value());
    }
    if (!logs(o, s.logs)) {
      return false;
    }
    simdjson::dom::array children;
    if (o.at_key("children").get_array().get(children) != simdjson::SUCCESS) {
      return fail("children", "missing or not an array");
    }
    std::vector<std::int32_t> kept_children = std::move(view.spans[index].children);
    view.spans[index] = std::move(s);
    view.spans[index].children = std::move(kept_children);
    for (element child : children) {
      if (!span(child, view, index)) {
        return false;
      }
    }
    return true;
  }
};

}  // namespace

std::string_view traceStateName(TraceState state) noexcept {
  return state == TraceState::kPending ? "pending" : "kept";
}

std::string_view severityName(std::uint8_t severity_number) noexcept {
  if (severity_number == 0 || severity_number > 24) {
    return "";
  }
  static constexpr std::string_view kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  return kNames[(severity_number - 1) / 4];
}

bool isJsonObject(std::string_view text) {
  // Cheap checks first: stored lines are almost always objects.
  std::size_t begin = 0;
  while (begin < text.size() && (text[begin] == ' ' || text[begin] == '\t')) {
    ++begin;
  }
  if (begin == text.size() || text[begin] != '{') {
    return false;
  }
  simdjson::dom::element doc;
  if (threadParser().parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  return doc.is_object();
}

TraceView makeTraceView(const trace::DecidedTrace& t, TraceState state) {
  TraceView view;
  view.trace_id = t.trace_id.hex();
  view.state = state;
  if (state == TraceState::kKept) {
    view.decision = t.decision;
  }
  view.summary = t.summary;
  view.warnings = t.tree.warnings;
  view.roots = t.tree.roots;
  view.spans.reserve(t.tree.spans.size());
  auto recordAt = [&](std::int32_t i) -> const record::Record* {
    return i >= 0 && static_cast<std::size_t>(i) < t.records.size() ? t.records[i].get() : nullptr;
  };
  for (const trace::Span& span : t.tree.spans) {
    SpanView s;
    s.span_id = span.span_id.hex();
    if (span.parent_span_id.isValid()) {
      s.parent_span_id = span.parent_span_id.hex();
    }
    s.start_ns = span.start_ns;
    s.duration_ns = span.duration_ns;
    s.self_ns = span.self_ns;
    s.share_of_parent = span.share_of_parent;
    s.depth = span.depth;
    s.flags = span.flags;
    s.duplicates = static_cast<std::uint32_t>(span.duplicates.size());
    s.children = span.children;
    const record::Record* own = recordAt(span.record);
    // A synthetic span (log events only) takes its names from its first event.
    const record::Record* named = own;
    if (named == nullptr && !span.events.empty()) {
      named = recordAt(span.events.front());
    }
    if (named != nullptr) {
      s.service = std::string(named->serviceName());
      s.operation = std::string(named->operationName());
    }
    if (own != nullptr) {
      s.status = own->status;
      s.error_message = std::string(own->errorText());
      s.error = own->status == record::Status::kError || !own->errorText().empty();
      if (!own->attributesJson().empty() && isJsonObject(own->attributesJson())) {
        s.attributes_json = std::string(own->attributesJson());
      }
    }
    for (const std::int32_t e : span.events) {
      if (const record::Record* r = recordAt(e)) {
        LogView log = makeLog(*r);
        if (log.error) {
          s.error = true;
          if (s.error_message.empty()) {
            s.error_message = !log.error_text.empty() ? log.error_text : log.message;
          }
        }
        s.logs.push_back(std::move(log));
      }
    }
    view.spans.push_back(std::move(s));
  }
  for (const std::int32_t e : t.tree.trace_events) {
    if (const record::Record* r = recordAt(e)) {
      view.trace_logs.push_back(makeLog(*r));
    }
  }
  return view;
}

void writeSummaryMembers(json::Writer& w, const trace::TraceSummary& s) {
  w.field("start", formatRfc3339(s.start_ns));
  w.field("start_ns", static_cast<std::int64_t>(s.start_ns));
  w.field("duration_ms", nanosToMillis(s.duration_ns));
  w.field("duration_ns", static_cast<std::int64_t>(s.duration_ns));
  w.field("root_service", s.root_service);
  w.field("root_operation", s.root_operation);
  w.key("services").beginArray();
  for (const auto& service : s.services) {
    w.value(service);
  }
  w.endArray();
  w.field("error", s.error);
  w.field("span_count", s.span_count);
  w.field("record_count", s.record_count);
  w.field("bytes", s.bytes);
}

std::string renderTraceJson(const TraceView& view) {
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.field("trace_id", view.trace_id);
  w.field("state", traceStateName(view.state));
  w.key("decision");
  if (view.decision) {
    w.beginObject();
    w.field("decision", view.decision->decision == trace::Decision::kKeep ? "keep" : "drop");
    w.field("policy", view.decision->policy);
    w.field("decided_at", formatRfc3339(view.decision->decided_at_ns));
    w.field("decided_at_ns", static_cast<std::int64_t>(view.decision->decided_at_ns));
    w.field("early", view.decision->early);
    w.endObject();
  } else {
    w.null();
  }
  w.key("summary").beginObject();
  writeSummaryMembers(w, view.summary);
  w.endObject();
  w.key("warnings").beginArray();
  for (const auto& warning : view.warnings) {
    w.value(warning);
  }
  w.endArray();
  w.key("spans").beginArray();
  for (const std::int32_t root : view.roots) {
    writeSpan(w, view, view.spans[root]);
  }
  w.endArray();
  w.key("logs").beginArray();
  for (const LogView& log : view.trace_logs) {
    writeLog(w, log);
  }
  w.endArray();
  w.endObject();
  return out;
}

Result<TraceView, std::string> parseTraceJson(std::string_view json) {
  simdjson::dom::parser parser;
  if (parser.allocate(json.size() + 64, kMaxJsonDepth) != simdjson::SUCCESS) {
    return Unexpected(std::string("out of memory"));
  }
  element doc;
  if (const auto error = parser.parse(json.data(), json.size(), true).get(doc);
      error != simdjson::SUCCESS) {
    return Unexpected(std::string("not JSON: ") + simdjson::error_message(error));
  }
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return Unexpected(std::string("not a JSON object"));
  }
  Parser p;
  TraceView view;
  std::string state;
  if (!p.string(root, "trace_id", view.trace_id) || !p.string(root, "state", state)) {
    return Unexpected(p.error);
  }
  if (state != "pending" && state != "kept") {
    return Unexpected(std::string("state: not pending or kept"));
  }
  view.state = state == "pending" ? TraceState::kPending : TraceState::kKept;
  auto decision = root.at_key("decision");
  if (decision.error() == simdjson::SUCCESS && decision.is_object()) {
    object d = decision.get_object().value();
    trace::DecisionInfo info;
    std::string kind;
    std::int64_t decided_at = 0;
    if (!p.string(d, "policy", info.policy) || !p.integer(d, "decided_at_ns", decided_at) ||
        !p.boolean(d, "early", info.early) || !p.string(d, "decision", kind)) {
      return Unexpected("decision." + p.error);
    }
    info.decided_at_ns = decided_at;
    info.decision = kind == "drop" ? trace::Decision::kDrop : trace::Decision::kKeep;
    view.decision = std::move(info);
  }
  object summary;
  if (root.at_key("summary").get_object().get(summary) != simdjson::SUCCESS) {
    return Unexpected(std::string("summary: missing or not an object"));
  }
  {
    trace::TraceSummary& s = view.summary;
    std::int64_t start = 0;
    std::int64_t spans = 0;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    if (!p.integer(summary, "start_ns", start) ||
        !p.integer(summary, "duration_ns", s.duration_ns) ||
        !p.string(summary, "root_service", s.root_service) ||
        !p.string(summary, "root_operation", s.root_operation) ||
        !p.boolean(summary, "error", s.error) || !p.integer(summary, "span_count", spans) ||
        !p.integer(summary, "record_count", records) || !p.integer(summary, "bytes", bytes)) {
      return Unexpected("summary." + p.error);
    }
    s.start_ns = start;
    s.span_count = static_cast<std::uint32_t>(spans);
    s.record_count = static_cast<std::uint32_t>(records);
    s.bytes = static_cast<std::uint64_t>(bytes);
    simdjson::dom::array services;
    if (summary.at_key("services").get_array().get(services) != simdjson::SUCCESS) {
      return Unexpected(std::string("summary.services: missing or not an array"));
    }
    for (element e : services) {
      std::string_view name;
      if (e.get_string().get(name) == simdjson::SUCCESS) {
        s.services.emplace_back(name);
      }
    }
  }
  simdjson::dom::array warnings;
  if (root.at_key("warnings").get_array().get(warnings) == simdjson::SUCCESS) {
    for (element e : warnings) {
      std::string_view text;
      if (e.get_string().get(text) == simdjson::SUCCESS) {
        view.warnings.emplace_back(text);
      }
    }
  }
  simdjson::dom::array spans;
  if (root.at_key("spans").get_array().get(spans) != simdjson::SUCCESS) {
    return Unexpected(std::string("spans: missing or not an array"));
  }
  for (element e : spans) {
    if (!p.span(e, view, -1)) {
      return Unexpected(p.error);
    }
  }
  if (!p.logs(root, view.trace_logs)) {
    return Unexpected(p.error);
  }
  return view;
}

}  // namespace stitch::query
