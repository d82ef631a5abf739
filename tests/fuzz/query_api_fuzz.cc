// Fuzzes the query API with arbitrary request targets (paths, query strings, ids, percent-
// escapes), against a cache holding the guide's checkout trace. Properties:
// - no target crashes the handler;
// - every answer is a JSON object with a status the API documents.
// Also: a time that parseTime accepts prints (formatRfc3339) to one that parses back equal.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

#include "core/query/query_api.h"
#include "core/query/time_format.h"
#include "tests/fixtures/trace_fixtures.h"

namespace {

struct Api {
  stitch::store::TraceCache cache{1 << 20};
  stitch::ManualClock clock;
  stitch::store::QueryConfig config;
  stitch::query::TraceQueries queries{[this] {
    stitch::query::QuerySources sources;
    sources.cache = &cache;
    sources.build_tree = [](const stitch::record::RecordBatch& r) {
      return stitch::fixtures::buildTestTree(r);
    };
    return sources;
  }()};
  stitch::query::QueryApi api{queries, config, clock};
  Api() {
    cache.put(stitch::fixtures::makeDecided(stitch::fixtures::checkoutTraceId(),
                                            stitch::fixtures::checkoutRecords()));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Api api;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto response = api.api.handle({"GET", input});
  switch (response.status) {
    case 200:
    case 400:
    case 404:
    case 503:
      break;
    default:
      std::abort();
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response.body).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    std::abort();
  }
  if (const auto t = stitch::query::parseTime(input)) {
    if (stitch::query::parseTime(stitch::query::formatRfc3339(*t)) != t) {
      std::abort();
    }
  }
  return 0;
}
