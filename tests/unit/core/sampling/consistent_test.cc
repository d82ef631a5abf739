#include "core/sampling/consistent.h"

#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::sampling;

TEST_CASE("probabilityToThreshold gives the specification's th values at precision 4",
          "[sampling][consistent]") {
  // OpenTelemetry "TraceState: Probability Sampling", table of 1-in-N probabilities,
  // precision 4 column, plus the examples of the text.
  using Row = std::pair<double, std::string>;
  const auto [probability, th] = GENERATE(
      Row{1.0, "0"}, Row{0.5, "8"}, Row{1.0 / 3, "aaab"}, Row{0.25, "c"}, Row{0.2, "cccd"},
      Row{0.125, "e"}, Row{0.1, "e666"}, Row{0.0625, "f"}, Row{0.01, "fd70a"}, Row{0.001, "ffbe77"},
      Row{0.0001, "fff9724"}, Row{0.00001, "ffff583a"}, Row{0.000001, "ffffef39"});
  CAPTURE(probability);
  CHECK(encodeThreshold(probabilityToThreshold(probability)) == th);
}

TEST_CASE("probabilityToThreshold at full precision is (1 - p) * 2^56", "[sampling][consistent]") {
  CHECK(probabilityToThreshold(0.5, 0).value == kMaxAdjustedCount / 2);
  CHECK(probabilityToThreshold(0.25, 0).value == kMaxAdjustedCount / 4 * 3);
  CHECK(probabilityToThreshold(kMinProbability, 0).value == kMaxAdjustedCount - 1);
  CHECK(probabilityToThreshold(1.0, 0) == kAlwaysSample);
  // The text's example: 1% with 5 digits is fd70a4.
  CHECK(encodeThreshold(probabilityToThreshold(0.01, 5)) == "fd70a4");
  // Out of range values are clamped rather than trusted.
  CHECK(probabilityToThreshold(2.0) == kAlwaysSample);
  CHECK(probabilityToThreshold(-1.0).value < kMaxAdjustedCount);
  CHECK(probabilityToThreshold(0.0 / 0.0).value < kMaxAdjustedCount);
}

TEST_CASE("probabilityToThreshold counts significant digits near probability 1",
          "[sampling][consistent]") {
  // 0.999 rejects 0.1%: 0x004189..., four significant digits after the two zeros.
  CHECK(encodeThreshold(probabilityToThreshold(0.999)) == "004189");
}

TEST_CASE("thresholds round-trip through their th encoding", "[sampling][consistent]") {
  for (const double p : {0.9, 0.5, 0.3, 0.1, 0.05, 0.01, 0.00123, 1e-7}) {
    const Threshold t = probabilityToThreshold(p);
    const auto parsed = parseThreshold(encodeThreshold(t));
    REQUIRE(parsed);
    CHECK(*parsed == t);
    CHECK(thresholdToProbability(t) == Approx(p).epsilon(0.001));
  }
  CHECK(encodeThreshold(kNeverSample).empty());
}

TEST_CASE("parseThreshold pads with trailing zeros and rejects bad values",
          "[sampling][consistent]") {
  CHECK(parseThreshold("8")->value == std::uint64_t{0x80000000000000});
  CHECK(parseThreshold("0")->value == 0);
  CHECK(parseThreshold("fd70a4")->value == std::uint64_t{0xfd70a400000000});
  CHECK(parseThreshold("FD70A4")->value == std::uint64_t{0xfd70a400000000});
  CHECK(parseThreshold("ffffffffffffff")->value == kMaxAdjustedCount - 1);
  CHECK_FALSE(parseThreshold(""));
  CHECK_FALSE(parseThreshold("fffffffffffffff"));  // 15 digits
  CHECK_FALSE(parseThreshold("8g"));
}

TEST_CASE("parseRandomness wants exactly 14 hex digits", "[sampling][consistent]") {
  CHECK(*parseRandomness("6e6d1a75832a2f") == 0x6e6d1a75832a2f);
  CHECK_FALSE(parseRandomness("6e6d1a75832a2"));
  CHECK_FALSE(parseRandomness("6e6d1a75832a2f0"));
  CHECK_FALSE(parseRandomness("6e6d1a75832a2x"));
}

TEST_CASE("parseOtelTracestate reads th and rv from the ot member", "[sampling][consistent]") {
  const OtelTracestate both =
      parseOtelTracestate("vendor=abc, ot=p:8;th:c;rv:6e6d1a75832a2f;k1:13 ,other=x");
  REQUIRE(both.threshold);
  CHECK(both.threshold->value == std::uint64_t{0xc0000000000000});
  REQUIRE(both.randomness);
  CHECK(*both.randomness == 0x6e6d1a75832a2f);

  const OtelTracestate bad = parseOtelTracestate("ot=th:xyz;rv:12");
  CHECK_FALSE(bad.threshold);
  CHECK_FALSE(bad.randomness);
  CHECK_FALSE(parseOtelTracestate("vendor=th:8").threshold);  // not the ot member
  CHECK_FALSE(parseOtelTracestate("").threshold);
}

TEST_CASE("findTracestateMember finds a list member by key", "[sampling][consistent]") {
  CHECK(findTracestateMember("a=1,b=2", "b") == "2");
  CHECK(findTracestateMember(" a=1 ,\tt@v=x y ", "t@v") == "x y");
  CHECK(findTracestateMember("a=1,,b=2", "b") == "2");
  CHECK_FALSE(findTracestateMember("a=1,b=2", "c"));
  CHECK_FALSE(findTracestateMember("ab=1", "a"));
  CHECK_FALSE(findTracestateMember("a=1,a=2", "a"));  // duplicate keys: not a valid header
  CHECK_FALSE(findTracestateMember("A=1,b=2", "b"));  // an invalid key spoils the whole header
}

TEST_CASE("randomnessOf reads rv before the trace id", "[sampling][consistent]") {
  test::RecordSpec spec;
  spec.trace = test::traceId("4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(randomnessOf(*test::makeRecord(spec)) == 0xce929d0e0e4736);
  spec.tracestate = "ot=rv:00000000000001";
  CHECK(randomnessOf(*test::makeRecord(spec)) == 1);
}

TEST_CASE("shouldSample keeps R >= T, so a smaller probability keeps a subset",
          "[sampling][consistent]") {
  CHECK(shouldSample(0x80000000000000, probabilityToThreshold(0.5)));
  CHECK_FALSE(shouldSample(0x7fffffffffffff, probabilityToThreshold(0.5)));
  CHECK(shouldSample(0, kAlwaysSample));
  CHECK_FALSE(shouldSample(kMaxAdjustedCount - 1, kNeverSample));
  for (std::uint64_t r = 0; r < kMaxAdjustedCount; r += kMaxAdjustedCount / 997) {
    if (shouldSample(r, probabilityToThreshold(0.1))) {
      CHECK(shouldSample(r, probabilityToThreshold(0.3)));
    }
  }
}
