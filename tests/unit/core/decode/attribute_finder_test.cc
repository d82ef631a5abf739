#include "core/decode/attribute_finder.h"

#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/core/decode/decode_test_util.h"
#include "tests/unit/support/allocation_counter.h"

using namespace stitch;
using namespace stitch::decode;
using stitch::decode::test::DecodeFixture;

namespace {

struct Found {
  AttributeType type;
  std::string string;
  std::int64_t int_value;
  double double_value;
  bool bool_value;
};

std::optional<Found> lookup(std::string_view line, std::string_view key) {
  DecodeFixture fx;
  const auto record = fx.record(line);
  REQUIRE(record);
  AttributeFinder finder;
  const auto value = findAttribute(*record, key, finder);
  if (!value) {
    return std::nullopt;
  }
  return Found{value->type, std::string(value->string), value->int_value, value->double_value,
               value->bool_value};
}

}  // namespace

TEST_CASE("findAttribute reads typed values from the attributes object", "[decode][attribute]") {
  const std::string line =
      R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","attrs":{"http.route":"/cart",)"
      R"("retry":3,"ratio":0.25,"cached":false,"user":{"id":"u1","tier":"gold"},)"
      R"("big":18446744073709551615,"nothing":null,"list":[1,2],"esc":"a\"b"}})";
  auto v = lookup(line, "http.route");
  REQUIRE(v);
  CHECK(v->type == AttributeType::kString);
  CHECK(v->string == "/cart");
  v = lookup(line, "retry");
  REQUIRE(v);
  CHECK(v->type == AttributeType::kInt);
  CHECK(v->int_value == 3);
  CHECK(v->double_value == 3.0);
  v = lookup(line, "ratio");
  REQUIRE(v);
  CHECK(v->type == AttributeType::kDouble);
  CHECK(v->double_value == 0.25);
  v = lookup(line, "cached");
  REQUIRE(v);
  CHECK(v->type == AttributeType::kBool);
  CHECK_FALSE(v->bool_value);
  v = lookup(line, "user.tier");  // nested objects
  REQUIRE(v);
  CHECK(v->string == "gold");
  v = lookup(line, "big");  // beyond int64
  REQUIRE(v);
  CHECK(v->type == AttributeType::kDouble);
  CHECK(v->double_value == 18446744073709551615.0);
  v = lookup(line, "esc");
  REQUIRE(v);
  CHECK(v->string == "a\"b");
  CHECK_FALSE(lookup(line, "nothing"));
  CHECK_FALSE(lookup(line, "list"));
  CHECK_FALSE(lookup(line, "user"));
  CHECK_FALSE(lookup(line, "absent"));
  CHECK_FALSE(lookup(line, "user.id.x"));
  CHECK_FALSE(lookup(line, ""));
}

TEST_CASE("findAttribute matches flat dotted keys, nested paths and mixes", "[decode][attribute]") {
  CHECK(lookup(R"({"attributes":{"a.b.c":1}})", "a.b.c")->int_value == 1);
  CHECK(lookup(R"({"attributes":{"a":{"b":{"c":2}}}})", "a.b.c")->int_value == 2);
  CHECK(lookup(R"({"attributes":{"a.b":{"c":3}}})", "a.b.c")->int_value == 3);
  CHECK(lookup(R"({"attributes":{"a":{"b.c":4}}})", "a.b.c")->int_value == 4);
  // A prefix that leads nowhere does not hide a later flat key.
  CHECK(lookup(R"({"attributes":{"a":{"x":1},"a.b":5}})", "a.b")->int_value == 5);
}

TEST_CASE("findAttribute reads OTLP attribute lists and resources", "[decode][attribute]") {
  const std::string line =
      R"({"traceId":"5b8efff798038103d269b633813fc60c","body":{"stringValue":"x"},)"
      R"("attributes":[{"key":"http.route","value":{"stringValue":"/pay"}},)"
      R"({"key":"retry","value":{"intValue":"3"}},{"value":{"doubleValue":1.5},"key":"late"},)"
      R"({"key":"ok","value":{"boolValue":true}}],"resource":{"attributes":[{"key":)"
      R"("service.name","value":{"stringValue":"payments"}},{"key":"host.name","value":)"
      R"({"stringValue":"web-1"}}]}})";
  CHECK(lookup(line, "http.route")->string == "/pay");
  const auto retry = lookup(line, "retry");
  REQUIRE(retry);
  CHECK(retry->type == AttributeType::kInt);
  CHECK(retry->int_value == 3);
  CHECK(lookup(line, "late")->double_value == 1.5);  // value before key
  CHECK(lookup(line, "ok")->bool_value);
  CHECK(lookup(line, "host.name")->string == "web-1");  // from the resource
  CHECK(lookup(line, "service.name")->string == "payments");
}

TEST_CASE("findAttribute reads the OTel Python resource and flat resources",
          "[decode][attribute]") {
  CHECK(lookup(R"({"body":"x","resource":{"attributes":{"deployment.environment":"prod"},)"
               R"("schema_url":""}})",
               "deployment.environment")
            ->string == "prod");
  CHECK(lookup(R"({"body":"x","resource":{"k8s.pod.name":"api-7d"}})", "k8s.pod.name")->string ==
        "api-7d");
}

TEST_CASE("findAttribute looks in the attributes first, then the resource, then the line",
          "[decode][attribute]") {
  const std::string line =
      R"({"region":"top","status":503,"body":"x","resource":{"region":"resource","zone":"z1"},)"
      R"("attributes":{"region":"attributes"}})";
  CHECK(lookup(line, "region")->string == "attributes");
  CHECK(lookup(line, "zone")->string == "z1");
  // Top-level fields, mapped by the preset or not: a canonical record's HTTP status code.
  CHECK(lookup(line, "status")->int_value == 503);
}

TEST_CASE("findAttribute reaches ECS fields at the top level, dotted or nested",
          "[decode][attribute]") {
  const std::string line =
      R"({"@timestamp":"2024-05-01T12:00:00Z","trace.id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
      R"("http.request.method":"POST","url":{"path":"/checkout"},"labels":{"tenant":"acme"}})";
  CHECK(lookup(line, "http.request.method")->string == "POST");
  CHECK(lookup(line, "url.path")->string == "/checkout");
  CHECK(lookup(line, "tenant")->string == "acme");  // labels are the attributes
}

TEST_CASE("A finder is reusable across records and lookups", "[decode][attribute]") {
  DecodeFixture fx;
  const auto a = fx.record(R"({"attrs":{"k":"first"}})");
  const auto b = fx.record(R"({"attrs":{"k":"second"}})");
  REQUIRE(a);
  REQUIRE(b);
  AttributeFinder finder;
  for (int i = 0; i < 3; ++i) {
    CHECK(finder.find(*a, "k")->string == "first");
    CHECK(finder.find(*b, "k")->string == "second");
  }
}

TEST_CASE("A warmed-up finder allocates nothing per lookup", "[decode][attribute]") {
  DecodeFixture fx;
  const auto r = fx.record(
      R"({"attrs":{"user":{"id":"u1"}},"resource":{"attributes":[{"key":"host.name","value":)"
      R"({"stringValue":"web-1"}}]},"region":"eu"})");
  REQUIRE(r);
  AttributeFinder finder;
  for (const char* key : {"user.id", "host.name", "region", "absent"}) {
    (void)finder.find(*r, key);
  }
  const stitch::test::AllocationCounter counter;
  CHECK(finder.find(*r, "user.id")->string == "u1");
  CHECK(finder.find(*r, "host.name")->string == "web-1");
  CHECK(finder.find(*r, "region")->string == "eu");
  CHECK_FALSE(finder.find(*r, "absent"));
  CHECK(counter.count() == 0);
}
