#include "core/export/export_item.h"

#include <catch2/catch.hpp>

#include "tests/unit/core/export/export_fixtures.h"

using namespace stitch;
using namespace stitch::exporting;
using namespace stitch::testing;

TEST_CASE("ExportItem shares its records and knows their count and bytes", "[export]") {
  auto trace = makeTrace(makeBatch({spanSpec(1, 0, "a"), logSpec(1, "b")}));
  const ExportItem item = ExportItem::trace(trace);
  const ExportItem copy = item;  // what the fanout does for each exporter
  CHECK(copy.kind() == ItemKind::kTrace);
  CHECK(copy.decidedTrace() == trace.get());
  CHECK(&copy.records() == &trace->records);
  CHECK(copy.recordCount() == 2);
  CHECK(copy.bytes() == trace->records[0]->raw().size() + trace->records[1]->raw().size());
  CHECK(itemKindName(copy.kind()) == "trace");

  const ExportItem logs = ExportItem::untracedLogs(makeBatch({logSpec(0, "x")}));
  CHECK(logs.kind() == ItemKind::kUntracedLogs);
  CHECK(logs.decidedTrace() == nullptr);
  CHECK(logs.recordCount() == 1);

  const ExportItem streamed = ExportItem::streamed(makeBatch({logSpec(1, "s"), logSpec(2, "t")}));
  CHECK(streamed.kind() == ItemKind::kStreamed);
  CHECK(itemKindName(streamed.kind()) == "streamed");
  CHECK(streamed.recordCount() == 2);

  record::RecordBatch with_null;
  with_null.push_back(nullptr);
  const ExportItem late = ExportItem::lateRecords(std::move(with_null));
  CHECK(late.empty());
  CHECK(ExportItem::trace(nullptr).empty());
  CHECK(ExportItem::trace(nullptr).records().empty());
}
