// Fuzzes the CLI's reader of the query API's trace JSON (query::parseTraceJson) on arbitrary
// bytes. Properties:
// - parsing never crashes; a document that parses renders (JSON and terminal tree) without
//   crashing;
// - parse-twice: rendering what was parsed and parsing it again gives the same rendering.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/query/terminal_tree.h"
#include "core/query/trace_view.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stitch::query;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = parseTraceJson(input);
  if (!first) {
    if (first.error().empty()) {
      std::abort();  // a refusal must say why
    }
    return 0;
  }
  (void)renderTerminalTree(*first, TreeStyle{.color = true, .logs = true});
  const std::string rendered = renderTraceJson(*first);
  auto second = parseTraceJson(rendered);
  if (!second || renderTraceJson(*second) != rendered) {
    std::abort();
  }
  return 0;
}
