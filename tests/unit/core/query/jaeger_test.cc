#include "core/query/jaeger.h"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::query;

namespace {

std::string checkoutJson() {
  auto t = fixtures::makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords());
  std::string out;
  json::Writer w(out);
  jaeger::writeTrace(w, *t);
  return out;
}

// The tag `key` of a span or log, or an error.
simdjson::simdjson_result<simdjson::dom::element> tagOf(simdjson::dom::array tags,
                                                        std::string_view key) {
  for (simdjson::dom::element tag : tags) {
    if (tag["key"].get_string().value() == key) {
      return tag;
    }
  }
  return simdjson::NO_SUCH_FIELD;
}

simdjson::dom::element spanNamed(simdjson::dom::element trace, std::string_view operation) {
  for (simdjson::dom::element span : trace["spans"].get_array()) {
    if (span["operationName"].get_string().value() == operation) {
      return span;
    }
  }
  FAIL("no span " << operation);
  return {};
}

}  // namespace

TEST_CASE("A trace in Jaeger's shape: ids, references, microseconds, processes", "[query]") {
  const std::string json = checkoutJson();
  simdjson::dom::parser parser;
  simdjson::dom::element trace = parser.parse(json);
  CHECK(trace["traceID"].get_string().value() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(trace["warnings"].is_null());
  auto spans = trace["spans"].get_array().value();
  REQUIRE(spans.size() == 5);
  // Tree order: the root first.
  simdjson::dom::element root = spans.at(0);
  CHECK(root["traceID"].get_string().value() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(root["spanID"].get_string().value() == "00f067aa0ba902b7");
  CHECK(root["operationName"].get_string().value() == "checkout");
  CHECK(root["references"].get_array().size() == 0);
  CHECK(root["startTime"].get_int64().value() == 1'700'000'000'000'000);
  CHECK(root["duration"].get_int64().value() == 200'000);
  CHECK(root["flags"].get_int64().value() == 1);
  CHECK(root["logs"].get_array().size() == 0);
  CHECK(root["warnings"].is_null());

  simdjson::dom::element database = spanNamed(trace, "query");
  auto refs = database["references"].get_array().value();
  REQUIRE(refs.size() == 1);
  CHECK(refs.at(0)["refType"].get_string().value() == "CHILD_OF");
  CHECK(refs.at(0)["traceID"].get_string().value() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(refs.at(0)["spanID"].get_string().value() == "a1b2c3d4e5f6a7b8");
  CHECK(database["startTime"].get_int64().value() == 1'700'000'000'015'000);
  CHECK(database["duration"].get_int64().value() == 40'000);

  // Every span's processID names a process with its service.
  auto processes = trace["processes"].get_object();
  for (simdjson::dom::element span : spans) {
    const std::string_view pid = span["processID"].get_string().value();
    CHECK(processes[pid]["serviceName"].error() == simdjson::SUCCESS);
  }
  CHECK(processes[root["processID"].get_string().value()]["serviceName"].get_string().value() ==
        "api-gateway");
  CHECK(processes[database["processID"].get_string().value()]["serviceName"].get_string().value() ==
        "database");
}

TEST_CASE("Jaeger tags are typed from the attributes and mark errors", "[query]") {
  const std::string json = checkoutJson();
  simdjson::dom::parser parser;
  simdjson::dom::element trace = parser.parse(json);
  auto root_tags = spanNamed(trace, "checkout")["tags"].get_array().value();
  auto tag = tagOf(root_tags, "http.method");
  CHECK(tag["type"].get_string().value() == "string");
  CHECK(tag["value"].get_string().value() == "POST");
  tag = tagOf(root_tags, "http.status_code");
  CHECK(tag["type"].get_string().value() == "int64");
  CHECK(tag["value"].get_int64().value() == 502);
  tag = tagOf(root_tags, "retry");
  CHECK(tag["type"].get_string().value() == "bool");
  CHECK(tag["value"].get_bool().value() == false);
  tag = tagOf(root_tags, "ratio");
  CHECK(tag["type"].get_string().value() == "float64");
  CHECK(tag["value"].get_double().value() == 0.5);
  tag = tagOf(root_tags, "span.kind");
  CHECK(tag["value"].get_string().value() == "server");
  CHECK(tagOf(root_tags, "error").error() == simdjson::NO_SUCH_FIELD);

  auto payment_tags = spanNamed(trace, "charge")["tags"].get_array().value();
  tag = tagOf(payment_tags, "error");
  CHECK(tag["type"].get_string().value() == "bool");
  CHECK(tag["value"].get_bool().value() == true);
  CHECK(tagOf(payment_tags, "otel.status_code")["value"].get_string().value() == "ERROR");
  CHECK(tagOf(payment_tags, "otel.status_description")["value"].get_string().value() ==
        "card declined");

  // An ERROR log makes its span an error span too.
  simdjson::dom::element bank = spanNamed(trace, "authorize");
  CHECK(tagOf(bank["tags"].get_array().value(), "error")["value"].get_bool().value() == true);
  auto logs = bank["logs"].get_array().value();
  REQUIRE(logs.size() == 1);
  CHECK(logs.at(0)["timestamp"].get_int64().value() == 1'700'000'000'170'000);
  auto fields = logs.at(0)["fields"].get_array().value();
  CHECK(tagOf(fields, "event")["value"].get_string().value() == "error");
  CHECK(tagOf(fields, "message")["value"].get_string().value() == "issuer said no");
  CHECK(tagOf(fields, "level")["value"].get_string().value() == "ERROR");
  CHECK(tagOf(fields, "code")["type"].get_string().value() == "int64");

  // Process tags come from the resource, without the service name.
  auto processes = trace["processes"].get_object();
  auto gateway_tags =
      processes[spanNamed(trace, "checkout")["processID"].get_string().value()]["tags"]
          .get_array()
          .value();
  CHECK(tagOf(gateway_tags, "host.name")["value"].get_string().value() == "gw-1");
  CHECK(tagOf(gateway_tags, "service.name").error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("Jaeger span kinds are normalized and nested attributes flattened", "[query]") {
  const auto id = fixtures::checkoutTraceId();
  const auto kind = GENERATE(as<std::string>{}, R"("SPAN_KIND_CLIENT")", R"("Client")", "3");
  record::RecordBatch records;
  records.push_back(fixtures::makeRecord(
      id, fixtures::RecordSpec{.service = "api",
                               .operation = "call",
                               .span_id = "0000000000000001",
                               .start_ns = fixtures::kCheckoutStart,
                               .duration_ns = 5,
                               .attributes_json = R"({"span.kind":)" + kind +
                                                  R"(,"http":{"route":"/x"},"ids":[1,2]})"}));
  auto t = fixtures::makeDecided(id, std::move(records));
  const auto tags = jaeger::spanTags(*t, t->tree.spans[0]);
  auto find = [&](std::string_view key) {
    const auto it =
        std::find_if(tags.begin(), tags.end(), [&](const auto& tag) { return tag.key == key; });
    REQUIRE(it != tags.end());
    return *it;
  };
  CHECK(find("span.kind").value == "client");
  CHECK(find("http.route").value == "/x");
  CHECK(find("ids").value == "[1,2]");
  CHECK(find("ids").type == jaeger::Tag::Type::kString);
}

TEST_CASE("Jaeger trace ids: up to 32 hex digits of either case, left-padded", "[query]") {
  CHECK(jaeger::parseTraceId("4bf92f3577b34da6a3ce929d0e0e4736") ==
        tracecontext::TraceId{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736});
  CHECK(jaeger::parseTraceId("4BF92F3577B34DA6A3CE929D0E0E4736") ==
        tracecontext::TraceId{0x4bf92f3577b34da6, 0xa3ce929d0e0e4736});
  CHECK(jaeger::parseTraceId("a3ce929d0e0e4736") == tracecontext::TraceId{0, 0xa3ce929d0e0e4736});
  CHECK(jaeger::parseTraceId("1") == tracecontext::TraceId{0, 1});
  CHECK_FALSE(jaeger::parseTraceId(""));
  CHECK_FALSE(jaeger::parseTraceId("xyz"));
  CHECK_FALSE(jaeger::parseTraceId("4bf92f3577b34da6a3ce929d0e0e47360"));
}

TEST_CASE("Jaeger tag search matches a span of the service with every tag", "[query]") {
  auto t = fixtures::makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords());
  using Tags = std::vector<std::pair<std::string, std::string>>;
  CHECK(jaeger::matchesTags(*t, "api-gateway", "", Tags{{"http.method", "POST"}}));
  CHECK(jaeger::matchesTags(*t, "api-gateway", "checkout",
                            Tags{{"http.status_code", "502"}, {"retry", "false"}}));
  CHECK(jaeger::matchesTags(*t, "", "", Tags{{"error", "true"}}));
  CHECK(jaeger::matchesTags(*t, "bank-api", "", Tags{{"issuer", "acme"}}));        // a log field
  CHECK(jaeger::matchesTags(*t, "api-gateway", "", Tags{{"host.name", "gw-1"}}));  // process
  CHECK_FALSE(jaeger::matchesTags(*t, "cart", "", Tags{{"http.method", "POST"}}));
  CHECK_FALSE(jaeger::matchesTags(*t, "api-gateway", "", Tags{{"http.method", "GET"}}));
  CHECK_FALSE(jaeger::matchesTags(*t, "api-gateway", "",
                                  Tags{{"http.method", "POST"}, {"issuer", "acme"}}));
}

TEST_CASE("Jaeger error bodies have the query service's shape", "[query]") {
  CHECK(
      jaeger::errorBody(404, "trace not found") ==
      R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]})");
}
