#include "core/tracecontext/traceparent.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::tracecontext;

TEST_CASE("parseTraceparent reads the guide's example", "[tracecontext]") {
  const auto tp = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  REQUIRE(tp);
  CHECK(tp->trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(tp->parent_id.hex() == "00f067aa0ba902b7");
  CHECK(tp->sampled());
  CHECK(tp->random());
  CHECK(toString(*tp) == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}
