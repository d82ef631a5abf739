#include "core/export/gzip.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::exporting;

TEST_CASE("gzip round-trips and writes the gzip magic", "[export]") {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","n":)" + std::to_string(i) + "}";
  }
  std::string compressed;
  REQUIRE(gzipCompress(text, compressed));
  REQUIRE(compressed.size() > 10);
  CHECK(static_cast<unsigned char>(compressed[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(compressed[1]) == 0x8b);
  CHECK(compressed.size() < text.size() / 4);
  std::string back;
  REQUIRE(gzipDecompress(compressed, back, 1 << 30));
  CHECK(back == text);

  std::string empty_gz;
  REQUIRE(gzipCompress("", empty_gz));
  REQUIRE(gzipDecompress(empty_gz, back, 100));
  CHECK(back.empty());
}

TEST_CASE("gunzip rejects corrupt, truncated and oversized input", "[export]") {
  std::string compressed;
  REQUIRE(gzipCompress(std::string(100000, 'x'), compressed));
  std::string out;
  CHECK_FALSE(gzipDecompress(compressed.substr(0, compressed.size() / 2), out, 1 << 20));
  CHECK_FALSE(gzipDecompress("not gzip at all", out, 1 << 20));
  CHECK_FALSE(gzipDecompress(compressed, out, 1000));
  std::string two = compressed + compressed;
  REQUIRE(gzipDecompress(two, out, 1 << 20));
  CHECK(out.size() == 200000);
}
