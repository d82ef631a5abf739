#include "core/pipeline/pipeline_config.h"

#include <catch2/catch.hpp>

#include "core/pipeline/record_attributes.h"
#include "tests/unit/core/decode/decode_test_util.h"

using namespace stitch;
using pipeline::PipelineConfig;

TEST_CASE("shards: 0 picks one shard per two cores, at least one", "[pipeline][config]") {
  PipelineConfig config;
  CHECK(pipeline::shardCount(config, 0) == 1);
  CHECK(pipeline::shardCount(config, 1) == 1);
  CHECK(pipeline::shardCount(config, 2) == 1);
  CHECK(pipeline::shardCount(config, 8) == 4);
  CHECK(pipeline::shardCount(config, 4096) == 256);
  config.shards = 3;
  CHECK(pipeline::shardCount(config, 2) == 3);  // asked for: taken as is
}

TEST_CASE("the pipeline section names each bad key", "[pipeline][config]") {
  PipelineConfig config;
  CHECK(config.validate().empty());
  config.shards = 257;
  config.queue_records = 0;
  config.queue_bytes = 1024;
  const ConfigProblems problems = config.validate();
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].path == "shards");
  CHECK(problems[1].path == "queue_records");
  CHECK(problems[2].path == "queue_bytes");
}

TEST_CASE("RecordAttributes gives attribute policies the decoder's typed values",
          "[pipeline][attribute]") {
  decode::test::DecodeFixture fx;
  const auto record =
      fx.record(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","service":"cart","attrs":)"
                R"({"http.route":"/cart","http.status_code":503,"ratio":0.5,"cached":true}})");
  REQUIRE(record);
  const pipeline::RecordAttributes attributes;
  const sampling::AttributeLookup& lookup = attributes;

  auto v = lookup.find(*record, "http.route");
  REQUIRE(v);
  CHECK(v->kind == sampling::AttributeValue::Kind::kString);
  CHECK(v->text == "/cart");
  v = lookup.find(*record, "http.status_code");
  REQUIRE(v);
  CHECK(v->kind == sampling::AttributeValue::Kind::kNumber);
  CHECK(v->number == 503);
  v = lookup.find(*record, "ratio");
  REQUIRE(v);
  CHECK(v->number == 0.5);
  v = lookup.find(*record, "cached");
  REQUIRE(v);
  CHECK(v->kind == sampling::AttributeValue::Kind::kBool);
  CHECK(v->boolean);
  v = lookup.find(*record, "service");  // a top-level field, after attributes and resource
  REQUIRE(v);
  CHECK(v->text == "cart");
  CHECK_FALSE(lookup.find(*record, "missing"));
}
