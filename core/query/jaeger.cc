#include "core/query/jaeger.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/query/trace_view.h"

namespace stitch::query::jaeger {
namespace {

constexpr std::uint8_t kSeverityError = 17;

using record::Record;
using trace::DecidedTrace;
using trace::Span;

simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

void addTag(std::vector<Tag>& tags, std::string key, Tag::Type type, std::string value) {
  tags.push_back(Tag{std::move(key), type, std::move(value)});
}

// Flattens a JSON value into tags: objects by dotted keys, arrays as their JSON text.
void flatten(simdjson::dom::element e, const std::string& key, std::vector<Tag>& tags) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      const simdjson::dom::object object = e.get_object().value();
      for (auto [k, v] : object) {
        flatten(v, key.empty() ? std::string(k) : key + "." + std::string(k), tags);
      }
      return;
    }
    case element_type::ARRAY:
      addTag(tags, key, Tag::Type::kString, simdjson::minify(e));
      return;
    case element_type::STRING:
      addTag(tags, key, Tag::Type::kString, std::string(e.get_string().value()));
      return;
    case element_type::INT64:
      addTag(tags, key, Tag::Type::kInt64, fmt::format("{}", e.get_int64().value()));
      return;
    case element_type::UINT64:
      // Beyond int64: Jaeger's int64 cannot hold it, a float64 would round it.
      addTag(tags, key, Tag::Type::kString, fmt::format("{}", e.get_uint64().value()));
      return;
    case element_type::DOUBLE:
      addTag(tags, key, Tag::Type::kFloat64, fmt::format("{}", e.get_double().value()));
      return;
    case element_type::BOOL:
      addTag(tags, key, Tag::Type::kBool, e.get_bool().value() ? "true" : "false");
      return;
    case element_type::NULL_VALUE:
      return;
  }
}

void flattenObject(std::string_view json, std::vector<Tag>& tags) {
  if (json.empty()) {
    return;
  }
  simdjson::dom::element doc;
  if (threadParser().parse(json.data(), json.size(), true).get(doc) != simdjson::SUCCESS ||
      !doc.is_object()) {
    return;
  }
  flatten(doc, "", tags);
}

// OpenTelemetry's span kinds as Jaeger names them: "SPAN_KIND_SERVER", "Server" or 2 -> "server".
std::string normalizeSpanKind(const Tag& tag) {
  static constexpr std::string_view kByNumber[] = {"",       "internal", "server",
                                                   "client", "producer", "consumer"};
  if (tag.type == Tag::Type::kInt64) {
    const int n = std::atoi(tag.value.c_str());
    return n >= 1 && n <= 5 ? std::string(kByNumber[n]) : tag.value;
  }
  std::string v = tag.value;
  if (v.starts_with("SPAN_KIND_")) {
    v = v.substr(10);
  }
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "unspecified" ? std::string() : v;
}

const Record* recordAt(const DecidedTrace& t, std::int32_t i) {
  return i >= 0 && static_cast<std::size_t>(i) < t.records.size() ? t.records[i].get() : nullptr;
}

// The record a span takes its names and flags from: its own, else its first event.
const Record* namedRecord(const DecidedTrace& t, const Span& span) {
  if (const Record* own = recordAt(t, span.record)) {
    return own;
  }
  return span.events.empty() ? nullptr : recordAt(t, span.events.front());
}

bool eventIsError(const Record& r) {
  return r.status == record::Status::kError || r.severity_number >= kSeverityError ||
         !r.errorText().empty();
}

std::vector<Tag> logFields(const Record& r) {
  std::vector<Tag> fields;
  const bool error = eventIsError(r);
  addTag(fields, "event", Tag::Type::kString, error ? "error" : "log");
  if (!r.messageText().empty()) {
    addTag(fields, "message", Tag::Type::kString, std::string(r.messageText()));
  }
  const std::string_view level =
      r.severityText().empty() ? severityName(r.severity_number) : r.severityText();
  if (!level.empty()) {
    addTag(fields, "level", Tag::Type::kString, std::string(level));
  }
  if (!r.errorText().empty()) {
    addTag(fields, "error.message", Tag::Type::kString, std::string(r.errorText()));
  }
  flattenObject(r.attributesJson(), fields);
  return fields;
}

std::vector<Tag> processTags(const Record* r) {
  std::vector<Tag> tags;
  if (r == nullptr) {
    return tags;
  }
  flattenObject(r->resourceJson(), tags);
  std::erase_if(tags, [](const Tag& t) { return t.key == "service.name"; });
  return tags;
}

void writeTags(json::Writer& w, const std::vector<Tag>& tags) {
  w.beginArray();
  for (const Tag& tag : tags) {
    w.beginObject();
    w.field("key", tag.key);
    w.field("type", tagTypeName(tag.type));
    w.key("value");
    if (tag.type == Tag::Type::kString) {
      w.value(tag.value);
    } else {
      w.raw(tag.value);
    }
    w.endObject();
  }
  w.endArray();
}

void writeLog(json::Writer& w, const Record& r) {
  w.beginObject();
  w.field("timestamp", static_cast<std::int64_t>(r.timestamp_ns / kNanosPerMicro));
  w.key("fields");
  writeTags(w, logFields(r));
  w.endObject();
}

std::vector<std::string> spanWarnings(const Span& span) {
  std::vector<std::string> warnings;
  if ((span.flags & trace::span_flag::kOrphan) != 0) {
    warnings.push_back("parent span " + span.parent_span_id.hex() + " never arrived (orphan)");
  }
  if ((span.flags & trace::span_flag::kSynthetic) != 0) {
    warnings.push_back("no span record: start and duration come from its log events");
  }
  if (!span.duplicates.empty()) {
    warnings.push_back(fmt::format("{} span records share this span id; the first is shown",
                                   span.duplicates.size() + 1));
  }
  if ((span.flags & trace::span_flag::kCycle) != 0) {
    warnings.push_back("its parent chain loops; cut here");
  }
  return warnings;
}

// Spans in tree order: each root, then its subtree depth first.
std::vector<std::int32_t> treeOrder(const trace::TraceTree& tree) {
  std::vector<std::int32_t> order;
  order.reserve(tree.spans.size());
  std::vector<std::int32_t> stack(tree.roots.rbegin(), tree.roots.rend());
  std::vector<bool> seen(tree.spans.size(), false);
  while (!stack.empty()) {
    const std::int32_t i = stack.back();
    stack.pop_back();
    if (i < 0 || static_cast<std::size_t>(i) >= tree.spans.size() || seen[i]) {
      continue;
    }
    seen[i] = true;
    order.push_back(i);
    const auto& children = tree.spans[i].children;
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack.push_back(*it);
    }
  }
  // Spans no root reaches (a tree builder should not leave any) are still shown.
  for (std::size_t i = 0; i < tree.spans.size(); ++i) {
    if (!seen[i]) {
      order.push_back(static_cast<std::int32_t>(i));
    }
  }
  return order;
}

bool tagMatches(const std::vector<Tag>& tags, const std::string& key, const std::string& value) {
  return std::any_of(tags.begin(), tags.end(),
                     [&](const Tag& t) { return t.key == key && t.value == value; });
}

}  // namespace

std::optional<tracecontext::TraceId> parseTraceId(std::string_view text) noexcept {
  if (text.empty() || text.size() > tracecontext::kTraceIdHexSize) {
    return std::nullopt;
  }
  char padded[tracecontext::kTraceIdHexSize];
  const std::size_t pad = tracecontext::kTraceIdHexSize - text.size();
  for (std::size_t i = 0; i < pad; ++i) {
    padded[i] = '0';
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    padded[pad + i] = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return tracecontext::TraceId::fromHex(std::string_view(padded, sizeof padded));
}

std::string_view tagTypeName(Tag::Type type) noexcept {
  switch (type) {
    case Tag::Type::kString:
      return "string";
    case Tag::Type::kBool:
      return "bool";
    case Tag::Type::kInt64:
      return "int64";
    case Tag::Type::kFloat64:
      return "float64";
  }
  return "string";
}

std::vector<Tag> spanTags(const DecidedTrace& t, const Span& span) {
  std::vector<Tag> tags;
  const Record* own = recordAt(t, span.record);
  if (own != nullptr) {
    flattenObject(own->attributesJson(), tags);
    for (Tag& tag : tags) {
      if (tag.key == "span.kind") {
        tag.value = normalizeSpanKind(tag);
        tag.type = Tag::Type::kString;
      }
    }
    std::erase_if(tags, [](const Tag& tag) { return tag.key == "span.kind" && tag.value.empty(); });
    if (own->status != record::Status::kUnset) {
      addTag(tags, "otel.status_code", Tag::Type::kString,
             own->status == record::Status::kError ? "ERROR" : "OK");
    }
    if (!own->errorText().empty()) {
      addTag(tags, "otel.status_description", Tag::Type::kString, std::string(own->errorText()));
    }
    if (!own->messageText().empty()) {
      addTag(tags, "message", Tag::Type::kString, std::string(own->messageText()));
    }
  }
  bool error =
      own != nullptr && (own->status == record::Status::kError || !own->errorText().empty());
  for (const std::int32_t e : span.events) {
    if (const Record* r = recordAt(t, e); r != nullptr && eventIsError(*r)) {
      error = true;
    }
  }
  std::erase_if(tags, [](const Tag& tag) { return tag.key == "error"; });
  if (error) {
    addTag(tags, "error", Tag::Type::kBool, "true");
  }
  return tags;
}

void writeTrace(json::Writer& w, const DecidedTrace& t) {
  const auto chars = t.trace_id.hexChars();
  const std::string_view trace_id(chars.data(), chars.size());
  const std::vector<std::int32_t> order = treeOrder(t.tree);

  // Processes: one per service, in order of first appearance.
  std::vector<std::pair<std::string, const Record*>> processes;
  std::vector<std::size_t> process_of(t.tree.spans.size(), 0);
  for (const std::int32_t i : order) {
    const Record* named = namedRecord(t, t.tree.spans[i]);
    const std::string service = named != nullptr ? std::string(named->serviceName()) : "";
    auto found = std::find_if(processes.begin(), processes.end(),
                              [&](const auto& p) { return p.first == service; });
    if (found == processes.end()) {
      processes.emplace_back(service, named);
      found = processes.end() - 1;
    } else if (found->second != nullptr && found->second->resourceJson().empty() &&
               named != nullptr && !named->resourceJson().empty()) {
      found->second = named;  // the first record of the service that describes its resource
    }
    process_of[i] = static_cast<std::size_t>(found - processes.begin()) + 1;
  }

  w.beginObject();
  w.field("traceID", trace_id);
  w.key("spans").beginArray();
  bool first_root = true;
  for (const std::int32_t i : order) {
    const Span& span = t.tree.spans[i];
    const Record* named = namedRecord(t, span);
    w.beginObject();
    w.field("traceID", trace_id);
    w.field("spanID", span.span_id.hex());
    w.field("flags", named != nullptr ? static_cast<unsigned>(named->trace_flags & 0x01) : 1u);
    w.field("operationName", named != nullptr ? named->operationName() : std::string_view());
    w.key("references").beginArray();
    if (span.parent_span_id.isValid()) {
      w.beginObject();
      w.field("refType", "CHILD_OF");
      w.field("traceID", trace_id);
      w.field("spanID", span.parent_span_id.hex());
      w.endObject();
    }
    w.endArray();
    w.field("startTime", static_cast<std::int64_t>(span.start_ns / kNanosPerMicro));
    w.field("duration", static_cast<std::int64_t>(span.duration_ns / kNanosPerMicro));
    w.key("tags");
    writeTags(w, spanTags(t, span));
    w.key("logs").beginArray();
    for (const std::int32_t e : span.events) {
      if (const Record* r = recordAt(t, e)) {
        writeLog(w, *r);
      }
    }
    if (first_root && span.parent == -1) {
      for (const std::int32_t e : t.tree.trace_events) {
        if (const Record* r = recordAt(t, e)) {
          writeLog(w, *r);
        }
      }
      first_root = false;
    }
    w.endArray();
    w.field("processID", fmt::format("p{}", process_of[i]));
    w.key("warnings");
    const std::vector<std::string> warnings = spanWarnings(span);
    if (warnings.empty()) {
      w.null();
    } else {
      w.beginArray();
      for (const auto& warning : warnings) {
        w.value(warning);
      }
      w.endArray();
    }
    w.endObject();
  }
  w.endArray();
  w.key("processes").beginObject();
  for (std::size_t p = 0; p < processes.size(); ++p) {
    w.key(fmt::format("p{}", p + 1)).beginObject();
    w.field("serviceName", processes[p].first);
    w.key("tags");
    writeTags(w, processTags(processes[p].second));
    w.endObject();
  }
  w.endObject();
  w.key("warnings");
  if (t.tree.warnings.empty()) {
    w.null();
  } else {
    w.beginArray();
    for (const auto& warning : t.tree.warnings) {
      w.value(warning);
    }
    w.endArray();
  }
  w.endObject();
}

bool matchesTags(const DecidedTrace& t,
                 std::string_view service,
                 std::string_view operation,
                 const std::vector<std::pair<std::string, std::string>>& tags) {
  for (const Span& span : t.tree.spans) {
    const Record* named = namedRecord(t, span);
    if (named == nullptr || (!service.empty() && named->serviceName() != service) ||
        (!operation.empty() && named->operationName() != operation)) {
      continue;
    }
    const std::vector<Tag> own = spanTags(t, span);
    const std::vector<Tag> process = processTags(named);
    std::vector<std::vector<Tag>> logs;
    for (const std::int32_t e : span.events) {
      if (const Record* r = recordAt(t, e)) {
        logs.push_back(logFields(*r));
      }
    }
    const bool all = std::all_of(tags.begin(), tags.end(), [&](const auto& kv) {
      return tagMatches(own, kv.first, kv.second) || tagMatches(process, kv.first, kv.second) ||
             std::any_of(logs.begin(), logs.end(), [&](const std::vector<Tag>& fields) {
               return tagMatches(fields, kv.first, kv.second);
             });
    });
    if (all) {
      return true;
    }
  }
  return false;
}

std::string errorBody(int code, std::string_view msg) {
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.key("data").null();
  w.field("total", 0);
  w.field("limit", 0);
  w.field("offset", 0);
  w.key("errors").beginArray().beginObject();
  w.field("code", code);
  w.field("msg", msg);
  w.endObject().endArray();
  w.endObject();
  return out;
}

}  // namespace stitch::query::jaeger
