#include "core/tracecontext/traceparent.h"

#include "core/tracecontext/id_generator.h"

namespace stitch::tracecontext {
namespace {

// Offsets in the fixed layout "vv-<32 hex trace-id>-<16 hex parent-id>-ff".
constexpr std::size_t kTraceIdAt = 3;
constexpr std::size_t kParentIdAt = 36;
constexpr std::size_t kFlagsAt = 53;

constexpr bool isOws(char c) noexcept {
  return c == ' ' || c == '\t';
}

std::string_view trimOws(std::string_view v) noexcept {
  while (!v.empty() && isOws(v.front())) {
    v.remove_prefix(1);
  }
  while (!v.empty() && isOws(v.back())) {
    v.remove_suffix(1);
  }
  return v;
}

// Everything the fixed layout says, decoded without a branch per field. `ok` holds one bit per
// check; the parser branches once on all of them and looks for the culprit only on failure.
struct Fields {
  std::uint64_t trace_hi;
  std::uint64_t trace_lo;
  std::uint64_t parent;
  std::uint8_t flags;
  bool trace_hex;
  bool parent_hex;
  bool flags_hex;
  bool separators;
};

Fields decodeFields(const char* p) noexcept {
  Fields f;
  // Both halves are decoded whatever the first gave: '&' on the results, not '&&'.
  const bool trace_hi_hex = hex::detail::decode16(p + kTraceIdAt, f.trace_hi);
  const bool trace_lo_hex = hex::detail::decode16(p + kTraceIdAt + 16, f.trace_lo);
  f.trace_hex = trace_hi_hex & trace_lo_hex;
  f.parent_hex = hex::detail::decode16(p + kParentIdAt, f.parent);
  f.flags_hex = hex::decodeU8(p + kFlagsAt, f.flags);
  f.separators =
      (p[kTraceIdAt - 1] == '-') & (p[kParentIdAt - 1] == '-') & (p[kFlagsAt - 1] == '-');
  return f;
}

// The first fault from left to right, for a value whose fixed layout failed a check.
TraceparentError firstFault(const Fields& f, const Traceparent& tp) noexcept {
  // Checked in the order the fields appear, so that one value always gets one reason.
  if (!f.separators) {
    return TraceparentError::kInvalidSeparator;
  }
  if (!f.trace_hex) {
    return TraceparentError::kInvalidTraceId;
  }
  if (!tp.trace_id.isValid()) {
    return TraceparentError::kZeroTraceId;
  }
  if (!f.parent_hex) {
    return TraceparentError::kInvalidParentId;
  }
  if (!tp.parent_id.isValid()) {
    return TraceparentError::kZeroParentId;
  }
  return TraceparentError::kInvalidFlags;
}

}  // namespace

std::string_view reasonName(TraceparentError error) noexcept {
  switch (error) {
    case TraceparentError::kEmpty:
      return "empty";
    case TraceparentError::kInvalidLength:
      return "invalid_length";
    case TraceparentError::kInvalidVersion:
      return "invalid_version";
    case TraceparentError::kForbiddenVersion:
      return "forbidden_version";
    case TraceparentError::kInvalidSeparator:
      return "invalid_separator";
    case TraceparentError::kInvalidTraceId:
      return "invalid_trace_id";
    case TraceparentError::kZeroTraceId:
      return "zero_trace_id";
    case TraceparentError::kInvalidParentId:
      return "invalid_parent_id";
    case TraceparentError::kZeroParentId:
      return "zero_parent_id";
    case TraceparentError::kInvalidFlags:
      return "invalid_flags";
  }
  return "unknown";
}

Result<Traceparent, TraceparentError> parseTraceparent(std::string_view value) noexcept {
  // Almost every value arrives untrimmed-but-clean: test the ends before looping over them.
  if (value.empty() || isOws(value.front()) || isOws(value.back())) {
    value = trimOws(value);
    if (value.empty()) {
      return Unexpected(TraceparentError::kEmpty);
    }
  }
  const char* p = value.data();
  Traceparent tp;
  // "When the version prefix cannot be parsed (it's not 2 hex characters followed by a dash
  // (-)), the implementation should restart the trace."
  if (value.size() < 3 || !hex::decodeU8(p, tp.version) || p[2] != '-') {
    return Unexpected(TraceparentError::kInvalidVersion);
  }
  if (tp.version == 0xff) {
    return Unexpected(TraceparentError::kForbiddenVersion);
  }
  if (value.size() != kTraceparentSize) {
    // Version 00 is exactly 55 chars. A higher version may append fields after a '-', which
    // must not be parsed or assumed anything about.
    if (tp.version == 0 || value.size() < kTraceparentSize) {
      return Unexpected(TraceparentError::kInvalidLength);
    }
    if (p[kTraceparentSize] != '-') {
      return Unexpected(TraceparentError::kInvalidSeparator);
    }
  }

  const Fields f = decodeFields(p);
  tp.trace_id = TraceId{f.trace_hi, f.trace_lo};
  tp.parent_id = SpanId{f.parent};
  tp.flags = f.flags;
  const bool ids_non_zero = ((f.trace_hi | f.trace_lo) != 0) & (f.parent != 0);
  if (f.separators & f.trace_hex & f.parent_hex & f.flags_hex & ids_non_zero) [[likely]] {
    return tp;
  }
  return Unexpected(firstFault(f, tp));
}

void formatTraceparent(const Traceparent& tp, char* out) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  tp.trace_id.toHex(out + kTraceIdAt);
  out[kParentIdAt - 1] = '-';
  tp.parent_id.toHex(out + kParentIdAt);
  out[kFlagsAt - 1] = '-';
  hex::encodeU8(static_cast<std::uint8_t>(tp.flags & kKnownFlags), out + kFlagsAt);
}

std::array<char, kTraceparentSize> formatTraceparent(const Traceparent& tp) noexcept {
  std::array<char, kTraceparentSize> out;
  formatTraceparent(tp, out.data());
  return out;
}

std::string toString(const Traceparent& tp) {
  const auto chars = formatTraceparent(tp);
  return {chars.data(), chars.size()};
}

Traceparent make(bool sampled) noexcept {
  IdGenerator& gen = IdGenerator::forThisThread();
  Traceparent tp;
  tp.trace_id = gen.traceId();
  tp.parent_id = gen.spanId();
  tp.flags = static_cast<std::uint8_t>(kFlagRandom | (sampled ? kFlagSampled : 0));
  return tp;
}

Traceparent child(const Traceparent& parent) noexcept {
  IdGenerator& gen = IdGenerator::forThisThread();
  Traceparent tp = parent;
  do {
    tp.parent_id = gen.spanId();
  } while (tp.parent_id == parent.parent_id);  // 2^-64, but a span must not be its own parent
  return tp;
}

}  // namespace stitch::tracecontext
