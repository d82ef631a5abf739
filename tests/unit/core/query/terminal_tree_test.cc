#include "core/query/terminal_tree.h"

#include <catch2/catch.hpp>

#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::query;
using stitch::fixtures::RecordSpec;

namespace {

TraceView checkoutView() {
  auto t =
      fixtures::makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords(), "errors");
  return makeTraceView(*t, TraceState::kKept);
}

}  // namespace

TEST_CASE("The checkout trace is drawn like the guide's tree", "[query]") {
  const std::string expected =
      "Trace 4bf92f3577b34da6a3ce929d0e0e4736 (kept by errors, 5 spans, 200ms):\n"
      "└─ api-gateway (checkout) 200ms total\n"
      "  ├─ cart (get_cart) 60ms\n"
      "  │ └─ database (query) 40ms ← 66% of cart time\n"
      "  └─ payment (charge) 80ms ✗ card declined\n"
      "    └─ bank-api (authorize) 70ms ← 87% of payment time! ✗ issuer said no\n";
  CHECK(renderTerminalTree(checkoutView(), TreeStyle{}) == expected);
}

TEST_CASE("The tree shows each span's logs when asked", "[query]") {
  const std::string expected =
      "Trace 4bf92f3577b34da6a3ce929d0e0e4736 (kept by errors, 5 spans, 200ms):\n"
      "└─ api-gateway (checkout) 200ms total\n"
      "  ├─ cart (get_cart) 60ms\n"
      "  │ └─ database (query) 40ms ← 66% of cart time\n"
      "  └─ payment (charge) 80ms ✗ card declined\n"
      "    └─ bank-api (authorize) 70ms ← 87% of payment time! ✗ issuer said no\n"
      "        · +170ms ERROR issuer said no\n";
  CHECK(renderTerminalTree(checkoutView(), TreeStyle{.color = false, .logs = true}) == expected);
}

TEST_CASE("Colour marks errors red and large shares yellow, and only when asked", "[query]") {
  const std::string colored = renderTerminalTree(checkoutView(), TreeStyle{.color = true});
  CHECK(colored.find("\x1b[31mpayment (charge) 80ms\x1b[0m") != std::string::npos);
  CHECK(colored.find("\x1b[31m ✗ card declined\x1b[0m") != std::string::npos);
  CHECK(colored.find("\x1b[33m ← 87% of payment time!\x1b[0m") != std::string::npos);
  CHECK(colored.find("cart (get_cart) 60ms\n") != std::string::npos);  // no error, no colour
  CHECK(renderTerminalTree(checkoutView(), TreeStyle{}).find('\x1b') == std::string::npos);
}

TEST_CASE("Orphans, synthetic spans, duplicates, trace logs and warnings are shown", "[query]") {
  const auto id = fixtures::checkoutTraceId();
  constexpr TimestampNs t0 = fixtures::kCheckoutStart;
  constexpr TimestampNs ms = kNanosPerMilli;
  record::RecordBatch records;
  records.push_back(fixtures::makeRecord(id, RecordSpec{.service = "web",
                                                        .operation = "GET /",
                                                        .span_id = "0000000000000001",
                                                        .start_ns = t0,
                                                        .duration_ns = 100 * ms}));
  records.push_back(fixtures::makeRecord(id, RecordSpec{.service = "web",
                                                        .operation = "GET /",
                                                        .span_id = "0000000000000001",
                                                        .start_ns = t0,
                                                        .duration_ns = 100 * ms}));
  records.push_back(fixtures::makeRecord(id, RecordSpec{.service = "worker",
                                                        .operation = "job",
                                                        .span_id = "0000000000000002",
                                                        .parent_span_id = "00000000000000ff",
                                                        .start_ns = t0 + 10 * ms,
                                                        .duration_ns = 30 * ms}));
  records.push_back(fixtures::makeRecord(id, RecordSpec{.service = "web",
                                                        .operation = "render",
                                                        .span_id = "0000000000000003",
                                                        .parent_span_id = "0000000000000001",
                                                        .start_ns = t0 + 20 * ms,
                                                        .message = "rendering"}));
  records.push_back(fixtures::makeRecord(
      id, RecordSpec{.service = "web", .start_ns = t0 + 50 * ms, .message = "request done"}));
  auto t = fixtures::makeDecided(id, std::move(records), "always");
  const std::string expected =
      "Trace 4bf92f3577b34da6a3ce929d0e0e4736 (kept by always, 3 spans, 100ms):\n"
      "├─ web (GET /) 100ms total (2 span records)\n"
      "│ └─ web (render) 0ns (no span record: from its logs)\n"
      "│     · +20ms INFO rendering\n"
      "└─ worker (job) 30ms (orphan: parent 00000000000000ff never arrived)\n"
      "Trace logs:\n"
      "  · +50ms INFO request done\n"
      "Warnings:\n"
      "  ! span 0000000000000001: more than one span record\n"
      "  ! span 0000000000000002: parent 00000000000000ff never arrived\n";
  CHECK(renderTerminalTree(makeTraceView(*t, TraceState::kKept), TreeStyle{.logs = true}) ==
        expected);
}

TEST_CASE("A pending trace says so in the header", "[query]") {
  auto t = fixtures::makeDecided(fixtures::checkoutTraceId(), fixtures::checkoutRecords());
  const std::string tree = renderTerminalTree(makeTraceView(*t, TraceState::kPending), {});
  CHECK(tree.starts_with("Trace 4bf92f3577b34da6a3ce929d0e0e4736 (pending, 5 spans, 200ms):\n"));
}
