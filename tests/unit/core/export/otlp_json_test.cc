#include "core/export/otlp_json.h"

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "tests/unit/core/export/export_fixtures.h"

using namespace stitch;
using namespace stitch::exporting;
using namespace stitch::testing;
namespace dom = simdjson::dom;

namespace {

// Every object key the OTLP/JSON encoding of ExportTraceServiceRequest and
// ExportLogsServiceRequest may use (lowerCamelCase proto field names).
const std::set<std::string, std::less<>> kOtlpKeys = {"resourceSpans",
                                                      "resourceLogs",
                                                      "resource",
                                                      "attributes",
                                                      "scopeSpans",
                                                      "scopeLogs",
                                                      "spans",
                                                      "logRecords",
                                                      "key",
                                                      "value",
                                                      "stringValue",
                                                      "intValue",
                                                      "doubleValue",
                                                      "boolValue",
                                                      "arrayValue",
                                                      "kvlistValue",
                                                      "values",
                                                      "traceId",
                                                      "spanId",
                                                      "parentSpanId",
                                                      "traceState",
                                                      "flags",
                                                      "name",
                                                      "kind",
                                                      "startTimeUnixNano",
                                                      "endTimeUnixNano",
                                                      "events",
                                                      "timeUnixNano",
                                                      "status",
                                                      "message",
                                                      "code",
                                                      "observedTimeUnixNano",
                                                      "severityNumber",
                                                      "severityText",
                                                      "body"};

void checkKeys(dom::element e) {
  if (e.is_object()) {
    for (auto [key, value] : dom::object(e)) {
      CAPTURE(key);
      CHECK(kOtlpKeys.count(key) == 1);
      checkKeys(value);
    }
  } else if (e.is_array()) {
    for (dom::element item : dom::array(e)) {
      checkKeys(item);
    }
  }
}

std::vector<OtlpRequest> encode(const std::vector<ExportItem>& items,
                                OtlpEncoderOptions options = {}) {
  OtlpEncoder encoder(options);
  std::vector<OtlpRequest> out;
  encoder.encode(items, out);
  return out;
}

// All spans (or log records) of a request body, in order.
std::vector<dom::element> messages(dom::parser& parser, const OtlpRequest& request) {
  dom::element root = parser.parse(request.body);
  checkKeys(root);
  std::vector<dom::element> out;
  const bool traces = request.signal == OtlpSignal::kTraces;
  for (dom::element rs : root[traces ? "resourceSpans" : "resourceLogs"].get_array()) {
    for (dom::element ss : rs[traces ? "scopeSpans" : "scopeLogs"].get_array()) {
      for (dom::element m : ss[traces ? "spans" : "logRecords"].get_array()) {
        out.push_back(m);
      }
    }
  }
  return out;
}

// The AnyValue of attribute `key` in an attributes array; throws when missing.
dom::element attribute(dom::element holder, std::string_view key) {
  for (dom::element kv : holder["attributes"].get_array()) {
    if (std::string_view(kv["key"]) == key) {
      return kv["value"];
    }
  }
  FAIL("attribute " << key << " missing");
  return {};
}

bool hasAttribute(dom::element holder, std::string_view key) {
  dom::array attributes;
  if (holder["attributes"].get(attributes) != simdjson::SUCCESS) {
    return false;
  }
  for (dom::element kv : attributes) {
    if (std::string_view(kv["key"]) == key) {
      return true;
    }
  }
  return false;
}

bool has(dom::element object, std::string_view key) {
  return object[key].error() == simdjson::SUCCESS;
}

std::uint32_t totalRecords(const std::vector<OtlpRequest>& requests) {
  std::uint32_t n = 0;
  for (const auto& r : requests) {
    n += r.records;
  }
  return n;
}

}  // namespace

TEST_CASE("OTLP span: hex ids, nanosecond strings, integer enums, typed attributes", "[export]") {
  RecordSpec spec = spanSpec(0x00f067aa0ba902b7, 0x53995c3f42cd8ad8, "checkout");
  spec.status = record::Status::kError;
  spec.error = "card declined";
  spec.tracestate = "vendor=abc";
  spec.trace_flags = 0x01;
  spec.has_trace_flags = true;
  spec.attributes =
      R"({"http.method":"GET","http.status_code":500,"ratio":0.5,"ok":true,"tags":["a",1],)"
      R"("nested":{"k":"v"},"nothing":null,"big":18446744073709551615,"neg":-42,)"
      R"("span.kind":"server","empty":[]})";
  spec.resource = R"({"host.name":"h1","service.name":"ignored"})";
  record::RecordBatch records;
  records.push_back(makeRecord(spec));
  const auto requests = encode({ExportItem::trace(makeTrace(std::move(records)))});
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].signal == OtlpSignal::kTraces);
  CHECK(requests[0].spans == 1);
  CHECK(requests[0].records == 1);

  dom::parser parser;
  const auto spans = messages(parser, requests[0]);
  REQUIRE(spans.size() == 1);
  dom::element root = parser.parse(requests[0].body);
  dom::element resource = root["resourceSpans"].at(0)["resource"];
  CHECK(std::string_view(attribute(resource, "service.name")["stringValue"]) == "cart");
  CHECK(std::string_view(attribute(resource, "host.name")["stringValue"]) == "h1");
  CHECK(dom::array(resource["attributes"]).size() == 2);  // the record's service wins

  dom::element span = spans[0];
  CHECK(std::string_view(span["traceId"]) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(std::string_view(span["spanId"]) == "00f067aa0ba902b7");
  CHECK(std::string_view(span["parentSpanId"]) == "53995c3f42cd8ad8");
  CHECK(std::string_view(span["name"]) == "checkout");
  CHECK(span["kind"].is_int64());
  CHECK(std::int64_t(span["kind"]) == 2);  // SPAN_KIND_SERVER, from "span.kind"
  CHECK(span["startTimeUnixNano"].is_string());
  CHECK(std::string_view(span["startTimeUnixNano"]) == "1714564800000000000");
  CHECK(std::string_view(span["endTimeUnixNano"]) == "1714564800005000000");
  CHECK(std::string_view(span["traceState"]) == "vendor=abc");
  CHECK(span["flags"].is_int64());
  CHECK(std::int64_t(span["flags"]) == 1);
  CHECK(std::int64_t(span["status"]["code"]) == 2);  // STATUS_CODE_ERROR
  CHECK(std::string_view(span["status"]["message"]) == "card declined");

  CHECK(std::string_view(attribute(span, "http.method")["stringValue"]) == "GET");
  CHECK(attribute(span, "http.status_code")["intValue"].is_string());
  CHECK(std::string_view(attribute(span, "http.status_code")["intValue"]) == "500");
  CHECK(std::string_view(attribute(span, "neg")["intValue"]) == "-42");
  CHECK(double(attribute(span, "ratio")["doubleValue"]) == 0.5);
  CHECK(bool(attribute(span, "ok")["boolValue"]) == true);
  dom::array tags = attribute(span, "tags")["arrayValue"]["values"];
  REQUIRE(tags.size() == 2);
  CHECK(std::string_view(tags.at(0)["stringValue"]) == "a");
  CHECK(std::string_view(tags.at(1)["intValue"]) == "1");
  dom::element nested = attribute(span, "nested")["kvlistValue"]["values"].at(0);
  CHECK(std::string_view(nested["key"]) == "k");
  CHECK(std::string_view(nested["value"]["stringValue"]) == "v");
  CHECK(dom::object(attribute(span, "nothing")).size() == 0);
  CHECK(std::string_view(attribute(span, "big")["stringValue"]) == "18446744073709551615");
  CHECK(dom::object(attribute(span, "empty")["arrayValue"]).size() == 0);
  CHECK_FALSE(hasAttribute(span, "span.kind"));
}

TEST_CASE("OTLP span: a root span with unset status leaves the defaults out", "[export]") {
  RecordSpec spec = spanSpec(0x1111111111111111, 0, "GET /");
  record::RecordBatch records;
  records.push_back(makeRecord(spec));
  const auto requests = encode({ExportItem::trace(makeTrace(std::move(records)))});
  REQUIRE(requests.size() == 1);
  dom::parser parser;
  dom::element span = messages(parser, requests[0]).at(0);
  CHECK_FALSE(has(span, "parentSpanId"));
  CHECK_FALSE(has(span, "status"));
  CHECK_FALSE(has(span, "traceState"));
  CHECK_FALSE(has(span, "flags"));
  CHECK_FALSE(has(span, "attributes"));
  CHECK_FALSE(has(span, "events"));
  CHECK(std::int64_t(span["kind"]) == 1);  // SPAN_KIND_INTERNAL when the record says nothing
}

TEST_CASE("OTLP log record: ids, times as strings, severity and body", "[export]") {
  RecordSpec spec = logSpec(0x00f067aa0ba902b7, "payment failed");
  spec.severity_number = 17;
  spec.severity_text = "ERROR";
  spec.trace_flags = 0x01;
  spec.has_trace_flags = true;
  spec.error = "timeout";
  spec.attributes = R"({"attempt":3})";
  record::RecordBatch records;
  records.push_back(makeRecord(spec));
  const auto requests = encode({ExportItem::trace(makeTrace(std::move(records)))});
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].signal == OtlpSignal::kLogs);
  CHECK(requests[0].log_records == 1);
  dom::parser parser;
  dom::element log = messages(parser, requests[0]).at(0);
  CHECK(std::string_view(log["timeUnixNano"]) == "1714564800001000000");
  CHECK(std::string_view(log["observedTimeUnixNano"]) == "1714564800001000000");
  CHECK(log["severityNumber"].is_int64());
  CHECK(std::int64_t(log["severityNumber"]) == 17);
  CHECK(std::string_view(log["severityText"]) == "ERROR");
  CHECK(std::string_view(log["body"]["stringValue"]) == "payment failed");
  CHECK(std::string_view(log["traceId"]) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(std::string_view(log["spanId"]) == "00f067aa0ba902b7");
  CHECK(std::int64_t(log["flags"]) == 1);
  CHECK(std::string_view(attribute(log, "attempt")["intValue"]) == "3");
  CHECK(std::string_view(attribute(log, "exception.message")["stringValue"]) == "timeout");
}

TEST_CASE("OTLP log record: untraced logs carry no ids, receive times no timeUnixNano",
          "[export]") {
  RecordSpec spec;
  spec.traced = false;
  spec.message = "disk almost full";
  spec.flags = record::flag::kTimestampFromReceive;
  spec.service = "";
  const auto requests = encode({ExportItem::untracedLogs(makeBatch({spec}))});
  REQUIRE(requests.size() == 1);
  dom::parser parser;
  dom::element root = parser.parse(requests[0].body);
  CHECK_FALSE(has(root["resourceLogs"].at(0), "resource"));  // no service, no resource info
  dom::element log = messages(parser, requests[0]).at(0);
  CHECK_FALSE(has(log, "traceId"));
  CHECK_FALSE(has(log, "spanId"));
  CHECK_FALSE(has(log, "timeUnixNano"));
  CHECK(std::string_view(log["observedTimeUnixNano"]) == "1714564800000000000");
  CHECK_FALSE(has(log, "severityNumber"));
}

TEST_CASE("OTLP groups messages by service into one resource each", "[export]") {
  std::vector<RecordSpec> specs = {spanSpec(1, 0, "a"), spanSpec(2, 1, "b"), spanSpec(3, 1, "c")};
  specs[1].service = "payment";
  const auto requests = encode({ExportItem::trace(makeTrace(makeBatch(specs)))});
  REQUIRE(requests.size() == 1);
  dom::parser parser;
  dom::element root = parser.parse(requests[0].body);
  dom::array resources = root["resourceSpans"];
  REQUIRE(resources.size() == 2);
  CHECK(std::string_view(attribute(resources.at(0)["resource"], "service.name")["stringValue"]) ==
        "cart");
  CHECK(dom::array(resources.at(0)["scopeSpans"].at(0)["spans"]).size() == 2);
  CHECK(std::string_view(attribute(resources.at(1)["resource"], "service.name")["stringValue"]) ==
        "payment");
  CHECK(dom::array(resources.at(1)["scopeSpans"].at(0)["spans"]).size() == 1);
}

namespace {

// Two spans (root 1, child 2), a log event on each and one trace-level log; the tree as the
// assembly module would build it.
trace::DecidedTracePtr treeTrace() {
  std::vector<RecordSpec> specs = {spanSpec(1, 0, "root"), spanSpec(2, 1, "child"),
                                   logSpec(1, "root says"), logSpec(2, "child says"),
                                   logSpec(0, "trace says")};
  trace::TraceTree tree;
  tree.spans.resize(2);
  tree.spans[0].span_id = record::SpanId{1};
  tree.spans[0].record = 0;
  tree.spans[0].events = {2};
  tree.spans[0].children = {1};
  tree.spans[1].span_id = record::SpanId{2};
  tree.spans[1].parent_span_id = record::SpanId{1};
  tree.spans[1].record = 1;
  tree.spans[1].parent = 0;
  tree.spans[1].events = {3};
  tree.roots = {0};
  tree.trace_events = {4};
  return makeTrace(makeBatch(specs), std::move(tree));
}

}  // namespace

TEST_CASE("log_records mode: spans go to traces, every other record to logs, once", "[export]") {
  const auto requests = encode({ExportItem::trace(treeTrace())});
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].signal == OtlpSignal::kTraces);
  CHECK(requests[0].spans == 2);
  CHECK(requests[1].signal == OtlpSignal::kLogs);
  CHECK(requests[1].log_records == 3);
  CHECK(totalRecords(requests) == 5);
  dom::parser parser;
  for (dom::element span : messages(parser, requests[0])) {
    CHECK_FALSE(has(span, "events"));
  }
}

TEST_CASE("span_events mode: a span's log events become its events", "[export]") {
  OtlpEncoderOptions options;
  options.log_events = LogEventMode::kSpanEvents;
  const auto requests = encode({ExportItem::trace(treeTrace())}, options);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].spans == 2);
  CHECK(requests[0].records == 4);      // two spans and their two events
  CHECK(requests[1].log_records == 1);  // the trace-level log
  CHECK(totalRecords(requests) == 5);
  dom::parser parser;
  const auto spans = messages(parser, requests[0]);
  dom::element root_events = spans.at(0)["events"];
  REQUIRE(dom::array(root_events).size() == 1);
  CHECK(std::string_view(root_events.at(0)["name"]) == "root says");
  CHECK(std::string_view(root_events.at(0)["timeUnixNano"]) == "1714564800001000000");
  CHECK(std::string_view(spans.at(1)["events"].at(0)["name"]) == "child says");
  dom::element log = messages(parser, requests[1]).at(0);
  CHECK(std::string_view(log["body"]["stringValue"]) == "trace says");
}

TEST_CASE("span_events mode: log events of an unrecorded span get a synthetic span", "[export]") {
  std::vector<RecordSpec> specs = {logSpec(7, "first", 1'714'564'800'000'000'000),
                                   logSpec(7, "second", 1'714'564'800'002'000'000)};
  specs[0].operation = "reserve";
  specs[1].status = record::Status::kError;
  specs[1].error = "out of stock";
  trace::TraceTree tree;
  tree.spans.resize(1);
  tree.spans[0].span_id = record::SpanId{7};
  tree.spans[0].parent_span_id = record::SpanId{3};
  tree.spans[0].record = -1;
  tree.spans[0].events = {0, 1};
  tree.spans[0].start_ns = 1'714'564'800'000'000'000;
  tree.spans[0].duration_ns = 2'000'000;
  tree.spans[0].flags = trace::span_flag::kSynthetic | trace::span_flag::kOrphan;
  tree.roots = {0};
  OtlpEncoderOptions options;
  options.log_events = LogEventMode::kSpanEvents;
  OtlpEncoder encoder(options);
  std::vector<OtlpRequest> requests;
  const std::vector<ExportItem> items = {
      ExportItem::trace(makeTrace(makeBatch(specs), std::move(tree)))};
  encoder.encode(items, requests);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].records == 2);
  CHECK(encoder.stats().synthetic_spans == 1);
  dom::parser parser;
  dom::element span = messages(parser, requests[0]).at(0);
  CHECK(std::string_view(span["spanId"]) == "0000000000000007");
  CHECK(std::string_view(span["parentSpanId"]) == "0000000000000003");
  CHECK(std::string_view(span["name"]) == "reserve");
  CHECK(std::string_view(span["endTimeUnixNano"]) == "1714564800002000000");
  CHECK(bool(attribute(span, "stitch.synthetic")["boolValue"]));
  CHECK(std::int64_t(span["status"]["code"]) == 2);
  CHECK(std::string_view(span["status"]["message"]) == "out of stock");
  CHECK(dom::array(span["events"]).size() == 2);
}

TEST_CASE("both mode: events are in spans and in logs, each record counted once", "[export]") {
  OtlpEncoderOptions options;
  options.log_events = LogEventMode::kBoth;
  const auto requests = encode({ExportItem::trace(treeTrace())}, options);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].records == 2);
  CHECK(requests[1].log_records == 3);
  CHECK(totalRecords(requests) == 5);
  dom::parser parser;
  CHECK(dom::array(messages(parser, requests[0]).at(0)["events"]).size() == 1);
}

TEST_CASE("OTLP requests are split at max_request_bytes without loss or duplication", "[export]") {
  std::vector<ExportItem> items;
  std::set<std::string> expected;
  for (std::uint64_t t = 0; t < 20; ++t) {
    std::vector<RecordSpec> specs;
    for (std::uint64_t s = 1; s <= 10; ++s) {
      RecordSpec spec = spanSpec(t * 100 + s, s == 1 ? 0 : t * 100 + 1, "op");
      spec.trace_id = record::TraceId{t + 1, t + 1};
      spec.service = s % 2 == 0 ? "even" : "odd";
      spec.attributes = R"({"payload":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})";
      specs.push_back(spec);
      expected.insert(record::SpanId{t * 100 + s}.hex());
    }
    items.push_back(ExportItem::trace(makeTrace(makeBatch(specs), {}, specs[0].trace_id)));
  }
  OtlpEncoderOptions options;
  options.max_request_bytes = 4096;
  const auto requests = encode(items, options);
  CHECK(requests.size() > 10);
  std::multiset<std::string> seen;
  dom::parser parser;
  for (const auto& request : requests) {
    CHECK(request.body.size() <= options.max_request_bytes);
    const auto spans = messages(parser, request);
    CHECK(spans.size() == request.spans);
    for (dom::element span : spans) {
      seen.insert(std::string(std::string_view(span["spanId"])));
    }
  }
  CHECK(seen.size() == expected.size());
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
  CHECK(totalRecords(requests) == 200);
}

TEST_CASE("A record whose attributes are not a JSON object is exported without them", "[export]") {
  const auto bad = GENERATE(as<std::string>{}, "{not json", R"({"a":1} trailing)", "[1,2]",
                            R"({"a":tru})", R"({"a":"\x"})");
  CAPTURE(bad);
  RecordSpec spec = logSpec(1, "hello");
  spec.attributes = bad;
  OtlpEncoder encoder({});
  std::vector<OtlpRequest> requests;
  const std::vector<ExportItem> items = {ExportItem::untracedLogs(makeBatch({spec}))};
  encoder.encode(items, requests);
  REQUIRE(requests.size() == 1);
  CHECK(encoder.stats().attribute_errors == 1);
  dom::parser parser;
  dom::element log = messages(parser, requests[0]).at(0);
  CHECK_FALSE(has(log, "attributes"));
  CHECK(std::string_view(log["body"]["stringValue"]) == "hello");
}

TEST_CASE("Attributes nested deeper than the limit become the JSON text", "[export]") {
  std::string deep = "1";
  for (int i = 0; i < 12; ++i) {
    deep = "[" + deep + "]";
  }
  OtlpAttributeConverter converter;
  std::string out;
  REQUIRE(converter.appendKeyValues(R"({"deep":)" + deep + "}", out, false) == 1);
  dom::parser parser;
  dom::element kv = parser.parse(out);
  dom::element value = kv["value"];
  for (int i = 0; i < OtlpAttributeConverter::kMaxAttributeDepth; ++i) {
    value = value["arrayValue"]["values"].at(0);
  }
  CHECK(std::string_view(value["stringValue"]) == "[[[[1]]]]");
}

TEST_CASE("Numbers no binary type holds keep their digits as strings", "[export]") {
  OtlpAttributeConverter converter;
  std::string out;
  REQUIRE(converter.appendKeyValues(
              R"({"min":-9223372036854775808,"huge":123456789012345678901234567890})", out,
              false) == 2);
  dom::parser parser;
  dom::element arr = parser.parse("[" + out + "]");
  CHECK(std::string_view(arr.at(0)["value"]["intValue"]) == "-9223372036854775808");
  CHECK(std::string_view(arr.at(1)["value"]["stringValue"]) == "123456789012345678901234567890");
}

TEST_CASE("A disabled signal skips its records and counts them", "[export]") {
  OtlpEncoderOptions options;
  options.logs = false;
  OtlpEncoder encoder(options);
  std::vector<OtlpRequest> requests;
  const std::vector<ExportItem> items = {ExportItem::trace(treeTrace())};
  encoder.encode(items, requests);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].signal == OtlpSignal::kTraces);
  CHECK(encoder.stats().skipped_records == 3);
}

TEST_CASE("Late records: span records to traces, the others to logs", "[export]") {
  const auto requests =
      encode({ExportItem::lateRecords(makeBatch({spanSpec(9, 1, "late span"), logSpec(9, "x")}))});
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].spans == 1);
  CHECK(requests[1].log_records == 1);
}

TEST_CASE("OTLP output stays valid JSON with control bytes and invalid UTF-8", "[export]") {
  RecordSpec spec = logSpec(1, std::string("tab\there \x01 bad \xff\xfe end\n", 23));
  spec.service = "svc\"quoted\"";
  const auto requests = encode({ExportItem::untracedLogs(makeBatch({spec}))});
  REQUIRE(requests.size() == 1);
  dom::parser parser;
  dom::element log = messages(parser, requests[0]).at(0);
  CHECK(std::string_view(log["body"]["stringValue"]).substr(0, 8) == "tab\there");
}
