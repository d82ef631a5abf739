#include "core/assembly/tree.h"

#include <algorithm>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "tests/unit/support/records.h"

using namespace stitch;
using namespace stitch::test;
using assembly::buildTree;
using assembly::percentOfParent;
using assembly::summarize;
using record::RecordBatch;
using trace::Span;
using trace::TraceTree;
namespace span_flag = trace::span_flag;

namespace {

const TraceId kCheckout = traceId("4bf92f3577b34da6a3ce929d0e0e4736");
constexpr std::uint64_t kGateway = 0x00f067aa0ba902b7;
constexpr std::uint64_t kCart = 0xa1b2c3d4e5f6a7b8;
constexpr std::uint64_t kDatabase = 0xb2c3d4e5f6a7b8c9;
constexpr std::uint64_t kPayment = 0xc3d4e5f6a7b8c9d0;
constexpr std::uint64_t kBank = 0xd4e5f6a7b8c9d0e1;

// The guide's checkout trace: gateway 100ms -> cart 60ms -> database 40ms; payment 80ms ->
// bank 70ms. Cart and payment overlap (they run in parallel under the gateway).
RecordBatch checkoutRecords() {
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, kDatabase, kCart, 10, 40, "cart", "SELECT cart"));
  records.push_back(makeSpan(kCheckout, kBank, kPayment, 20, 70, "payment", "POST /charge"));
  records.push_back(makeSpan(kCheckout, kCart, kGateway, 5, 60, "cart", "GET /cart"));
  records.push_back(makeSpan(kCheckout, kPayment, kGateway, 15, 80, "payment", "POST /pay"));
  records.push_back(makeSpan(kCheckout, kGateway, 0, 0, 100, "api-gateway", "POST /checkout"));
  return records;
}

const Span& spanOf(const TraceTree& tree, std::uint64_t id) {
  const auto it = std::find_if(tree.spans.begin(), tree.spans.end(),
                               [id](const Span& s) { return s.span_id.value == id; });
  REQUIRE(it != tree.spans.end());
  return *it;
}

std::uint64_t idAt(const TraceTree& tree, std::int32_t index) {
  return tree.spans[static_cast<std::size_t>(index)].span_id.value;
}

}  // namespace

TEST_CASE("buildTree gives the guide's checkout tree with its shares of parent time",
          "[assembly][tree]") {
  const RecordBatch records = checkoutRecords();
  const TraceTree tree = buildTree(records);

  REQUIRE(tree.spans.size() == 5);
  REQUIRE(tree.roots.size() == 1);
  CHECK(idAt(tree, tree.roots[0]) == kGateway);
  CHECK(tree.warnings.empty());

  const Span& gateway = spanOf(tree, kGateway);
  REQUIRE(gateway.children.size() == 2);
  CHECK(idAt(tree, gateway.children[0]) == kCart);     // starts at 5ms
  CHECK(idAt(tree, gateway.children[1]) == kPayment);  // starts at 15ms
  CHECK(gateway.depth == 0);
  CHECK(gateway.share_of_parent == -1);

  const Span& database = spanOf(tree, kDatabase);
  const Span& bank = spanOf(tree, kBank);
  CHECK(database.depth == 2);
  CHECK(database.share_of_parent == Approx(40.0 / 60.0));
  CHECK(percentOfParent(database) == 66);  // "Database (40ms) <- 66% of cart service time"
  CHECK(bank.share_of_parent == Approx(70.0 / 80.0));
  CHECK(percentOfParent(bank) == 87);  // "Bank API (70ms) <- 87% of payment service time!"
  CHECK(percentOfParent(spanOf(tree, kCart)) == 60);

  // Self time: the gateway's children cover [5, 95] of its [0, 100].
  CHECK(gateway.self_ns == 10 * kNanosPerMilli);
  CHECK(spanOf(tree, kCart).self_ns == 20 * kNanosPerMilli);
  CHECK(spanOf(tree, kPayment).self_ns == 10 * kNanosPerMilli);
  CHECK(database.self_ns == 40 * kNanosPerMilli);

  CHECK(tree.start_ns == kBaseNs);
  CHECK(tree.end_ns == kBaseNs + 100 * kNanosPerMilli);
}

TEST_CASE("buildTree gives the same tree whatever order the records arrive in",
          "[assembly][tree]") {
  const TraceTree reference = buildTree(checkoutRecords());
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    RecordBatch records = checkoutRecords();
    std::shuffle(records.begin(), records.end(), rng);
    const TraceTree tree = buildTree(records);
    REQUIRE(tree.roots.size() == 1);
    CHECK(idAt(tree, tree.roots[0]) == kGateway);
    for (const Span& span : tree.spans) {
      const Span& expected = spanOf(reference, span.span_id.value);
      CHECK(span.self_ns == expected.self_ns);
      CHECK(span.depth == expected.depth);
      CHECK(span.share_of_parent == expected.share_of_parent);
      REQUIRE(span.children.size() == expected.children.size());
      for (std::size_t c = 0; c < span.children.size(); ++c) {
        CHECK(idAt(tree, span.children[c]) == idAt(reference, expected.children[c]));
      }
    }
  }
}

TEST_CASE("summarize names the root, lists services and counts bytes", "[assembly][tree]") {
  const RecordBatch records = checkoutRecords();
  const TraceTree tree = buildTree(records);
  const trace::TraceSummary summary = summarize(tree, records);
  CHECK(summary.root_service == "api-gateway");
  CHECK(summary.root_operation == "POST /checkout");
  CHECK(summary.services == std::vector<std::string>{"api-gateway", "cart", "payment"});
  CHECK(summary.span_count == 5);
  CHECK(summary.record_count == 5);
  CHECK(summary.duration_ns == 100 * kNanosPerMilli);
  CHECK_FALSE(summary.error);
  std::uint64_t raw = 0;
  for (const auto& r : records) {
    raw += r->raw().size();
  }
  CHECK(summary.bytes == raw);
}

TEST_CASE("summarize flags an error from a status or an ERROR severity", "[assembly][tree]") {
  const TraceId trace = traceId("0af7651916cd43dd8448eb211c80319c");
  SECTION("status error") {
    RecordSpec spec;
    spec.trace = trace;
    spec.span = SpanId{1};
    spec.duration_ms = 5;
    spec.status = record::Status::kError;
    RecordBatch records;
    records.push_back(makeRecord(spec));
    CHECK(summarize(buildTree(records), records).error);
  }
  SECTION("severity ERROR on a log event") {
    RecordSpec spec;
    spec.trace = trace;
    spec.span = SpanId{1};
    spec.severity = 17;
    RecordBatch records;
    records.push_back(makeRecord(spec));
    CHECK(summarize(buildTree(records), records).error);
  }
  SECTION("WARN is not an error") {
    RecordSpec spec;
    spec.trace = trace;
    spec.span = SpanId{1};
    spec.severity = 13;
    RecordBatch records;
    records.push_back(makeRecord(spec));
    CHECK_FALSE(summarize(buildTree(records), records).error);
  }
}

TEST_CASE("buildTree keeps orphans as flagged roots after the true roots", "[assembly][tree]") {
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, kBank, kPayment, 20, 70));  // payment never arrives
  records.push_back(makeSpan(kCheckout, kGateway, 0, 0, 100));
  records.push_back(makeSpan(kCheckout, kCart, kGateway, 5, 60));
  records.push_back(makeSpan(kCheckout, 0x77, 0x99, 1, 2));  // another orphan, earlier
  const TraceTree tree = buildTree(records);

  REQUIRE(tree.roots.size() == 3);
  CHECK(idAt(tree, tree.roots[0]) == kGateway);
  CHECK(idAt(tree, tree.roots[1]) == 0x77);  // orphans by start time
  CHECK(idAt(tree, tree.roots[2]) == kBank);
  CHECK((spanOf(tree, kBank).flags & span_flag::kOrphan) != 0);
  CHECK((spanOf(tree, kGateway).flags & span_flag::kOrphan) == 0);
  CHECK(spanOf(tree, kBank).share_of_parent == -1);
  REQUIRE(tree.warnings.size() == 2);
  CHECK(tree.warnings[0].find("never arrived") != std::string::npos);
}

TEST_CASE("buildTree keeps the first span record of a duplicated id and lists the others",
          "[assembly][tree]") {
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, kGateway, 0, 0, 100));
  records.push_back(makeSpan(kCheckout, kCart, kGateway, 5, 60));
  records.push_back(makeSpan(kCheckout, kCart, kGateway, 7, 10));  // a retry logged twice
  records.push_back(makeSpan(kCheckout, kCart, kGateway, 8, 11));
  const TraceTree tree = buildTree(records);

  REQUIRE(tree.spans.size() == 2);
  const Span& cart = spanOf(tree, kCart);
  CHECK(cart.record == 1);
  CHECK(cart.duration_ns == 60 * kNanosPerMilli);
  CHECK(cart.duplicates == std::vector<std::int32_t>{2, 3});
  CHECK((cart.flags & span_flag::kDuplicate) != 0);
  CHECK(tree.warnings.size() == 1);
}

TEST_CASE("buildTree breaks parent cycles deterministically at the earliest span",
          "[assembly][tree]") {
  // a -> b -> c -> a, plus d under c; c starts first, so the loop is cut at c.
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, 0xa, 0xc, 10, 5));
  records.push_back(makeSpan(kCheckout, 0xb, 0xa, 11, 5));
  records.push_back(makeSpan(kCheckout, 0xc, 0xb, 3, 50));
  records.push_back(makeSpan(kCheckout, 0xd, 0xc, 4, 1));
  std::mt19937 rng(3);
  for (int round = 0; round < 10; ++round) {
    const TraceTree tree = buildTree(records);
    REQUIRE(tree.roots.size() == 1);
    CHECK(idAt(tree, tree.roots[0]) == 0xc);
    const Span& cut = spanOf(tree, 0xc);
    CHECK((cut.flags & span_flag::kCycle) != 0);
    CHECK(cut.parent == -1);
    CHECK(spanOf(tree, 0xb).depth == 2);  // c -> a -> b
    CHECK(tree.warnings.size() == 1);
    std::shuffle(records.begin(), records.end(), rng);
  }
}

TEST_CASE("buildTree makes a span that names itself as parent a flagged root", "[assembly][tree]") {
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, 0xa, 0xa, 0, 5));
  const TraceTree tree = buildTree(records);
  REQUIRE(tree.roots.size() == 1);
  CHECK((tree.spans[0].flags & span_flag::kCycle) != 0);
}

TEST_CASE("buildTree makes synthetic spans from log events that cover their time range",
          "[assembly][tree]") {
  RecordBatch records;
  records.push_back(makeSpan(kCheckout, kGateway, 0, 0, 100));
  records.push_back(makeEvent(kCheckout, kCart, kGateway, 30));  // cart known only from logs
  records.push_back(makeEvent(kCheckout, kCart, 0, 12));
  records.push_back(makeEvent(kCheckout, kCart, 0, 20));
  records.push_back(makeEvent(kCheckout, kGateway, 0, 50));  // an event of a real span
  records.push_back(makeEvent(kCheckout, 0, 0, 99));         // a trace-level event
  const TraceTree tree = buildTree(records);

  REQUIRE(tree.spans.size() == 2);
  const Span& cart = spanOf(tree, kCart);
  CHECK((cart.flags & span_flag::kSynthetic) != 0);
  CHECK(cart.record == -1);
  CHECK(cart.start_ns == kBaseNs + 12 * kNanosPerMilli);
  CHECK(cart.duration_ns == 18 * kNanosPerMilli);
  CHECK(cart.events == std::vector<std::int32_t>{2, 3, 1});  // by time
  CHECK(idAt(tree, cart.parent) == kGateway);                // from its first event with one
  CHECK(spanOf(tree, kGateway).events == std::vector<std::int32_t>{4});
  CHECK(tree.trace_events == std::vector<std::int32_t>{5});
  CHECK((spanOf(tree, kGateway).flags & span_flag::kSynthetic) == 0);
}

TEST_CASE("buildTree handles a trace of log events only, each its own synthetic root",
          "[assembly][tree]") {
  RecordBatch records;
  records.push_back(makeEvent(kCheckout, 2, 0, 5, "cart"));
  records.push_back(makeEvent(kCheckout, 1, 0, 1, "gateway"));
  const TraceTree tree = buildTree(records);
  REQUIRE(tree.roots.size() == 2);
  CHECK(idAt(tree, tree.roots[0]) == 1);
  const auto summary = summarize(tree, records);
  CHECK(summary.root_service == "gateway");
}

TEST_CASE("buildTree of no records is an empty tree", "[assembly][tree]") {
  const TraceTree tree = buildTree({});
  CHECK(tree.spans.empty());
  CHECK(tree.roots.empty());
  CHECK(summarize(tree, {}).record_count == 0);
}

TEST_CASE("buildTree handles a deep chain without recursion", "[assembly][tree]") {
  RecordBatch records;
  constexpr int kDepth = 20000;
  for (int i = 1; i <= kDepth; ++i) {
    records.push_back(makeSpan(kCheckout, static_cast<std::uint64_t>(i),
                               static_cast<std::uint64_t>(i - 1), i, kDepth - i + 1));
  }
  const TraceTree tree = buildTree(records);
  REQUIRE(tree.roots.size() == 1);
  CHECK(spanOf(tree, kDepth).depth == kDepth - 1);
}
