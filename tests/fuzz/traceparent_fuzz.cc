// parseTraceparent on arbitrary bytes. Properties: no crash; an accepted value has non-zero
// ids, formats as version 00 with its unknown flag bits cleared, and that text parses back to
// the same fields; the hex fields of the formatted value are those of the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/tracecontext/traceparent.h"

namespace {

void check(bool ok, const char* what, std::string_view input) {
  if (!ok) {
    std::fprintf(stderr, "traceparent_fuzz: %s for input [%.*s]\n", what,
                 static_cast<int>(input.size()), input.data());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stitch::tracecontext;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parseTraceparent(input);
  if (!parsed) {
    check(reasonName(parsed.error()) != "unknown", "rejection without a named reason", input);
    return 0;
  }
  const Traceparent& tp = *parsed;
  check(tp.trace_id.isValid() && tp.parent_id.isValid(), "accepted an all-zero id", input);
  check(tp.version != 0xff, "accepted version ff", input);

  const auto text = formatTraceparent(tp);
  const std::string_view formatted(text.data(), text.size());
  const auto again = parseTraceparent(formatted);
  check(again.has_value(), "formatted value does not parse", input);
  check(again->version == 0 && again->trace_id == tp.trace_id && again->parent_id == tp.parent_id &&
            again->flags == (tp.flags & kKnownFlags),
        "formatted value parses to other fields", input);

  // The input, trimmed, carries the same hex digits in the same places.
  std::string_view trimmed = input;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
    trimmed.remove_prefix(1);
  }
  check(trimmed.size() >= kTraceparentSize && trimmed.substr(2, 51) == formatted.substr(2, 51),
        "formatted ids differ from the input's", input);
  return 0;
}
