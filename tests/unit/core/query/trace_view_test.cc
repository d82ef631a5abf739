#include "core/query/trace_view.h"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::query;

namespace {

trace::DecidedTracePtr checkout() {
  return fixtures::makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords(), "errors",
                               fixtures::kCheckoutStart + 300 * kNanosPerMilli);
}

}  // namespace

TEST_CASE("The trace JSON carries state, decision, summary and the nested tree", "[query]") {
  const std::string json = renderTraceJson(makeTraceView(*checkout(), TraceState::kKept));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  CHECK(doc["trace_id"].get_string().value() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(doc["state"].get_string().value() == "kept");
  CHECK(doc["decision"]["policy"].get_string().value() == "errors");
  CHECK(doc["decision"]["decided_at"].get_string().value() == "2023-11-14T22:13:20.3Z");
  CHECK(doc["summary"]["root_service"].get_string().value() == "api-gateway");
  CHECK(doc["summary"]["duration_ms"].get_double().value() == 200.0);
  CHECK(doc["summary"]["span_count"].get_int64().value() == 5);
  CHECK(doc["summary"]["error"].get_bool().value());
  CHECK(doc["warnings"].get_array().size() == 0);

  auto roots = doc["spans"].get_array();
  REQUIRE(roots.size() == 1);
  simdjson::dom::element root = roots.at(0);
  CHECK(root["service"].get_string().value() == "api-gateway");
  CHECK(root["operation"].get_string().value() == "checkout");
  CHECK(root["parent_span_id"].is_null());
  CHECK(root["share_of_parent"].is_null());
  CHECK(root["start"].get_string().value() == "2023-11-14T22:13:20Z");
  CHECK(root["start_ns"].get_int64().value() == fixtures::kCheckoutStart);
  CHECK(root["self_ms"].get_double().value() == 60.0);
  CHECK(root["attributes"]["http.status_code"].get_int64().value() == 502);
  CHECK(root["flags"].get_array().size() == 0);
  auto children = root["children"].get_array();
  REQUIRE(children.size() == 2);
  simdjson::dom::element payment = children.at(1);
  CHECK(payment["service"].get_string().value() == "payment");
  CHECK(payment["status"].get_string().value() == "error");
  CHECK(payment["error"].get_bool().value());
  CHECK(payment["error_message"].get_string().value() == "card declined");
  CHECK(payment["share_of_parent"].get_double().value() == 0.4);
  simdjson::dom::element bank = payment["children"].at(0);
  CHECK(bank["depth"].get_int64().value() == 2);
  CHECK(bank["share_of_parent"].get_double().value() == 0.875);
  auto logs = bank["logs"].get_array();
  REQUIRE(logs.size() == 1);
  simdjson::dom::element log = logs.at(0);
  CHECK(log["severity"].get_string().value() == "ERROR");
  CHECK(log["message"].get_string().value() == "issuer said no");
  CHECK(log["error"].get_bool().value());
  CHECK(log["time"].get_string().value() == "2023-11-14T22:13:20.17Z");
  CHECK(log["record"]["attributes"]["issuer"].get_string().value() == "acme");
}

TEST_CASE("A pending trace has no decision", "[query]") {
  const std::string json = renderTraceJson(makeTraceView(*checkout(), TraceState::kPending));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  CHECK(doc["state"].get_string().value() == "pending");
  CHECK(doc["decision"].is_null());
}

TEST_CASE("The trace JSON parses back into the same view", "[query]") {
  const TraceView view = makeTraceView(*checkout(), TraceState::kKept);
  auto parsed = parseTraceJson(renderTraceJson(view));
  INFO((parsed ? std::string() : parsed.error()));
  REQUIRE(parsed);
  CHECK(parsed->trace_id == view.trace_id);
  CHECK(parsed->state == view.state);
  REQUIRE(parsed->decision);
  CHECK(parsed->decision->policy == "errors");
  CHECK(parsed->decision->decided_at_ns == view.decision->decided_at_ns);
  CHECK(parsed->summary.services == view.summary.services);
  CHECK(parsed->summary.duration_ns == view.summary.duration_ns);
  CHECK(parsed->warnings == view.warnings);
  REQUIRE(parsed->spans.size() == view.spans.size());
  // The parsed spans come in tree order; compare span by span id.
  for (const SpanView& original : view.spans) {
    const auto found =
        std::find_if(parsed->spans.begin(), parsed->spans.end(),
                     [&](const SpanView& s) { return s.span_id == original.span_id; });
    REQUIRE(found != parsed->spans.end());
    CAPTURE(original.span_id);
    CHECK(found->service == original.service);
    CHECK(found->operation == original.operation);
    CHECK(found->start_ns == original.start_ns);
    CHECK(found->duration_ns == original.duration_ns);
    CHECK(found->self_ns == original.self_ns);
    CHECK(found->share_of_parent == original.share_of_parent);
    CHECK(found->status == original.status);
    CHECK(found->error == original.error);
    CHECK(found->error_message == original.error_message);
    CHECK(found->logs == original.logs);
    CHECK(found->children.size() == original.children.size());
  }
  CHECK(parsed->roots.size() == 1);
}

TEST_CASE("parseTraceJson names what is wrong with a bad document", "[query]") {
  CHECK(parseTraceJson("not json").error().starts_with("not JSON"));
  CHECK(parseTraceJson("[1]").error() == "not a JSON object");
  CHECK(parseTraceJson(R"({"state":"kept"})").error() == "trace_id: missing");
  CHECK(parseTraceJson(R"({"trace_id":"x","state":"gone"})").error() ==
        "state: not pending or kept");
}

TEST_CASE("Severity names follow OpenTelemetry's severity numbers", "[query]") {
  CHECK(severityName(0) == "");
  CHECK(severityName(1) == "TRACE");
  CHECK(severityName(9) == "INFO");
  CHECK(severityName(13) == "WARN");
  CHECK(severityName(17) == "ERROR");
  CHECK(severityName(24) == "FATAL");
  CHECK(severityName(25) == "");
}

TEST_CASE("isJsonObject accepts objects only", "[query]") {
  CHECK(isJsonObject(R"({"a":1})"));
  CHECK_FALSE(isJsonObject(R"([1])"));
  CHECK_FALSE(isJsonObject(R"({"a":)"));
  CHECK_FALSE(isJsonObject("plain text"));
  CHECK_FALSE(isJsonObject(""));
}
