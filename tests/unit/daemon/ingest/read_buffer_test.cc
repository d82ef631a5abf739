#include "daemon/ingest/read_buffer.h"

#include <cstring>
#include <string>

#include <catch2/catch.hpp>

namespace stitch::daemon {
namespace {

void put(ReadBuffer& buffer, std::string_view text) {
  buffer.reserve(text.size());
  REQUIRE(buffer.writable() >= text.size());
  std::memcpy(buffer.writePtr(), text.data(), text.size());
  buffer.commit(text.size());
}

}  // namespace

TEST_CASE("ReadBuffer keeps unconsumed bytes at its front", "[daemon][ingest]") {
  ReadBuffer buffer(64);
  put(buffer, "{\"a\":1}\n{\"b\"");
  buffer.consume(8);
  CHECK(buffer.view() == "{\"b\"");
  put(buffer, ":2}\n");
  CHECK(buffer.view() == "{\"b\":2}\n");
}

TEST_CASE("ReadBuffer grows for a long record and shrinks back after it", "[daemon][ingest]") {
  ReadBuffer buffer(64);
  const std::string long_record(500, 'x');
  put(buffer, long_record);
  CHECK(buffer.capacity() >= 500);
  CHECK(buffer.view() == long_record);
  buffer.consume(buffer.size());
  buffer.reserve(16);
  CHECK(buffer.capacity() == 64);
}

TEST_CASE("ReadBuffer allocates nothing until it is read into, and frees when idle",
          "[daemon][ingest]") {
  ReadBuffer buffer(1 << 20);
  CHECK(buffer.capacity() == 0);
  CHECK(buffer.writable() == (1 << 20));
  put(buffer, "x");
  CHECK(buffer.capacity() == (1 << 20));
  buffer.release();  // not empty: kept
  CHECK(buffer.capacity() == (1 << 20));
  buffer.consume(1);
  buffer.release();
  CHECK(buffer.capacity() == 0);
}

}  // namespace stitch::daemon
