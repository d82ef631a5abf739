#include "core/export/ndjson_encoder.h"

#include <sstream>
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

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("NDJSON per_record writes each original line untouched, one per line", "[export]") {
  NdjsonEncoder encoder(NdjsonMode::kPerRecord);
  std::vector<RecordSpec> specs = {spanSpec(1, 0, "root"), logSpec(1, "hello")};
  specs[1].raw = R"({"msg":"hello",  "level" : "info"})";
  std::string out;
  encoder.encode(ExportItem::trace(makeTrace(makeBatch(specs))), out);
  const auto got = lines(out);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == specs[0].raw);
  CHECK(got[1] == specs[1].raw);
  CHECK(out.back() == '\n');
  CHECK(encoder.stats().records == 2);
}

TEST_CASE("NDJSON per_record keeps a record on one line even with a raw newline", "[export]") {
  NdjsonEncoder encoder(NdjsonMode::kPerRecord);
  RecordSpec spec;
  spec.raw = "{\"a\":1,\n\"b\":2}\r";
  std::string out;
  encoder.encode(ExportItem::untracedLogs(makeBatch({spec})), out);
  CHECK(out == "{\"a\":1, \"b\":2} \n");
}

TEST_CASE("NDJSON per_trace writes one valid JSON object per trace", "[export]") {
  NdjsonEncoder encoder(NdjsonMode::kPerTrace);
  std::vector<RecordSpec> specs = {spanSpec(1, 0, "root"), logSpec(1, "hello")};
  auto trace = makeTrace(makeBatch(specs));
  std::string out;
  encoder.encode(ExportItem::trace(trace), out);
  encoder.encode(ExportItem::trace(makeTrace(makeBatch({logSpec(2, "other")}), {}, kTraceB)), out);
  const auto got = lines(out);
  REQUIRE(got.size() == 2);
  dom::parser parser;
  dom::element first = parser.parse(got[0]);
  CHECK(std::string_view(first["trace_id"]) == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(std::string_view(first["decision"]["decision"]) == "keep");
  CHECK(std::string_view(first["decision"]["policy"]) == "errors");
  CHECK(std::int64_t(first["summary"]["record_count"]) == 2);
  dom::array records = first["records"];
  REQUIRE(records.size() == 2);
  CHECK(std::string_view(records.at(0)["operation"]) == "root");
  CHECK(std::string_view(records.at(1)["msg"]) == "hello");
  dom::element second = parser.parse(got[1]);
  CHECK(std::string_view(second["trace_id"]) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(encoder.stats().records == 3);
  CHECK(encoder.stats().lines == 2);
}

TEST_CASE("NDJSON per_trace wraps a line that is not a JSON object", "[export]") {
  const auto raw = GENERATE(as<std::string>{}, "plain text", "[1,2]", R"({"a":1} {"b":2})",
                            R"({"a":)", "", "{\"a\":\"\xff\"}");
  CAPTURE(raw);
  NdjsonEncoder encoder(NdjsonMode::kPerTrace);
  RecordSpec spec;
  spec.raw = raw;
  std::string out;
  encoder.encode(ExportItem::trace(makeTrace(makeBatch({spec, logSpec(1, "fine")}))), out);
  REQUIRE(lines(out).size() == 1);
  dom::parser parser;
  dom::element trace;
  REQUIRE(parser.parse(out).get(trace) == simdjson::SUCCESS);
  dom::array records = trace["records"];
  REQUIRE(records.size() == 2);
  CHECK(records.at(0)["raw"].is_string());
  CHECK(std::string_view(records.at(1)["msg"]) == "fine");
  CHECK(encoder.stats().invalid_raw == 1);
}

TEST_CASE("NDJSON per_trace groups late records by trace and writes untraced per line",
          "[export]") {
  NdjsonEncoder encoder(NdjsonMode::kPerTrace);
  std::vector<RecordSpec> late = {logSpec(1, "a"), logSpec(1, "b"), logSpec(1, "c")};
  late[1].trace_id = kTraceB;
  std::string out;
  encoder.encode(ExportItem::lateRecords(makeBatch(late)), out);
  auto got = lines(out);
  REQUIRE(got.size() == 2);
  dom::parser parser;
  int records = 0;
  for (const auto& line : got) {
    dom::element e = parser.parse(line);
    CHECK(bool(e["late"]));
    records += static_cast<int>(dom::array(e["records"]).size());
  }
  CHECK(records == 3);
  // Arrival order is kept inside a trace: "a" before "c".
  const std::string a_line = got[0].find("\"a\"") != std::string::npos ? got[0] : got[1];
  CHECK(a_line.find("\"a\"") < a_line.find("\"c\""));

  RecordSpec untraced;
  untraced.traced = false;
  untraced.raw = R"({"msg":"no trace"})";
  out.clear();
  encoder.encode(ExportItem::untracedLogs(makeBatch({untraced, untraced})), out);
  CHECK(out == "{\"msg\":\"no trace\"}\n{\"msg\":\"no trace\"}\n");
}

TEST_CASE("NDJSON writes streamed records as they are, or per trace marked streamed", "[export]") {
  std::vector<RecordSpec> streamed = {logSpec(1, "a"), logSpec(1, "b"), logSpec(1, "c")};
  streamed[1].trace_id = kTraceB;
  std::string out;
  SECTION("per_record: one original line each, in arrival order") {
    NdjsonEncoder encoder(NdjsonMode::kPerRecord);
    const ExportItem item = ExportItem::streamed(makeBatch(streamed));
    encoder.encode(item, out);
    auto got = lines(out);
    REQUIRE(got.size() == 3);
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i] == item.records()[i]->raw());
    }
  }
  SECTION("per_trace: one object per trace, flagged streamed, not late") {
    NdjsonEncoder encoder(NdjsonMode::kPerTrace);
    encoder.encode(ExportItem::streamed(makeBatch(streamed)), out);
    auto got = lines(out);
    REQUIRE(got.size() == 2);
    dom::parser parser;
    for (const auto& line : got) {
      dom::element e = parser.parse(line);
      CHECK(bool(e["streamed"]));
      CHECK(e["late"].error() == simdjson::NO_SUCH_FIELD);
    }
  }
}

TEST_CASE("NDJSON skips empty items", "[export]") {
  NdjsonEncoder encoder(NdjsonMode::kPerTrace);
  std::string out;
  encoder.encode(ExportItem::trace(nullptr), out);
  encoder.encode(ExportItem::untracedLogs(record::RecordBatch{}), out);
  CHECK(out.empty());
}
