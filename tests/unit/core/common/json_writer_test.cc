#include "core/common/json_writer.h"

#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

using namespace stitch;

TEST_CASE("json::Writer places commas between members and elements", "[json]") {
  std::string out;
  json::Writer w(out);
  w.beginObject()
      .field("a", 1)
      .key("list")
      .beginArray()
      .value(true)
      .null()
      .value(std::uint64_t{18446744073709551615ULL})
      .beginObject()
      .endObject()
      .endArray()
      .key("raw")
      .raw(R"({"x":[1]})")
      .field("s", "t")
      .endObject();
  CHECK(out == R"({"a":1,"list":[true,null,18446744073709551615,{}],"raw":{"x":[1]},"s":"t"})");
}

TEST_CASE("json::appendString escapes quotes, backslashes and control characters", "[json]") {
  std::string out;
  json::appendString(out, "a\"b\\c\n\t\x01 caf\xc3\xa9");
  CHECK(out == "\"a\\\"b\\\\c\\n\\t\\u0001 caf\xc3\xa9\"");
}

TEST_CASE("json::appendString replaces invalid UTF-8 so the output stays valid", "[json]") {
  std::string out;
  json::appendString(out, std::string("x\xff\xc3y\xed\xa0\x80", 7));
  CHECK(out == "\"x\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST_CASE("json::Writer writes non-finite doubles as null", "[json]") {
  std::string out;
  json::Writer w(out);
  w.beginArray().value(1.5).value(std::numeric_limits<double>::infinity()).endArray();
  CHECK(out == "[1.5,null]");
}

TEST_CASE("json::Writer nests deeper than 64 levels with commas in the right places", "[json]") {
  std::string out;
  json::Writer w(out);
  constexpr int kDepth = 200;
  for (int i = 0; i < kDepth; ++i) {
    w.beginObject().field("n", i).key("child");
  }
  w.beginArray().value(1).value(2).endArray();
  for (int i = 0; i < kDepth; ++i) {
    w.field("after", i).endObject();
  }
  std::string expected;
  for (int i = 0; i < kDepth; ++i) {
    expected += "{\"n\":" + std::to_string(i) + ",\"child\":";
  }
  expected += "[1,2]";
  for (int i = 0; i < kDepth; ++i) {
    expected += ",\"after\":" + std::to_string(i) + "}";
  }
  CHECK(out == expected);
}

TEST_CASE("json::Writer appends after what the string already holds", "[json]") {
  std::string out = "prefix ";
  json::Writer w(out);
  w.beginArray().value(1).beginArray().endArray().value("x").endArray();
  CHECK(out == R"(prefix [1,[],"x"])");
}
