// Tracestate parsing on arbitrary bytes, split into header lines at '\n', under both key
// grammars. Properties: no crash; the zero-copy view and the owning parser agree on a single
// line; an accepted list holds at most 32 valid, distinct entries, and its canonical text
// parses back to the same list (parse twice); set() and erase() keep it a valid list.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/tracecontext/tracestate.h"

namespace {

using namespace stitch::tracecontext;

void check(bool ok, const char* what, std::string_view input) {
  if (!ok) {
    std::fprintf(stderr, "tracestate_fuzz: %s for input [%.*s]\n", what,
                 static_cast<int>(input.size()), input.data());
    std::abort();
  }
}

void checkList(const Tracestate& list, TracestateKeyGrammar grammar, std::string_view input) {
  check(list.size() <= kTracestateMaxMembers, "more than 32 members", input);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const TracestateEntry entry = list[i];
    check(!checkTracestateKey(entry.key, grammar), "accepted an invalid key", input);
    check(!checkTracestateValue(entry.value), "accepted an invalid value", input);
    for (std::size_t j = 0; j < i; ++j) {
      check(list[j].key != entry.key, "accepted a duplicate key", input);
    }
    check(list.get(entry.key) == entry.value, "get() misses an entry", input);
  }
  const auto again = Tracestate::parse(list.header(), grammar);
  check(again.has_value() && *again == list, "canonical text parses to another list", input);
}

void fuzz(std::string_view input, TracestateKeyGrammar grammar) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0;;) {
    const std::size_t end = input.find('\n', start);
    lines.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }

  if (lines.size() == 1) {
    const auto view = TracestateView::parse(input, grammar);
    const auto owned = Tracestate::parse(input, grammar);
    check(view.has_value() == owned.has_value(), "view and owning parser disagree", input);
    if (!view) {
      check(view.error() == owned.error(), "view and owning parser give other reasons", input);
    } else {
      check(Tracestate(*view, grammar) == *owned, "view holds other entries", input);
    }
  }

  auto parsed = Tracestate::parse(lines, grammar);
  if (!parsed) {
    check(reasonName(parsed.error()) != "unknown", "rejection without a named reason", input);
    return;
  }
  checkList(*parsed, grammar, input);

  Tracestate edited = *parsed;
  const bool had_ot = edited.get("ot").has_value();
  check(!edited.set("ot", "th:8;rv:1a2b3c"), "set() refused a valid entry", input);
  check(edited[0].key == "ot" && edited.get("ot") == "th:8;rv:1a2b3c", "set() not in front", input);
  check(edited.size() == std::min<std::size_t>(parsed->size() + (had_ot ? 0 : 1), 32),
        "set() changed the size wrongly", input);
  checkList(edited, grammar, input);
  check(edited.erase("ot") && !edited.get("ot"), "erase() left the key", input);
  edited.truncate(kTracestateMinPropagatedSize);
  check(edited.header().size() <= kTracestateMinPropagatedSize, "truncate() left it too long",
        input);
  checkList(edited, grammar, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz(input, TracestateKeyGrammar::kMultiTenant);
  fuzz(input, TracestateKeyGrammar::kLevel2Abnf);
  return 0;
}
