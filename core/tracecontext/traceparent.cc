#include "core/tracecontext/traceparent.h"

#include "core/tracecontext/id_generator.h"

namespace stitch::tracecontext {
namespace {

constexpr bool isOws(char c) noexcept {
  return c == ' ' || c == '\t';
}

constexpr std::string_view trimOws(std::string_view v) noexcept {
  while (!v.empty() && isOws(v.front())) {
    v.remove_prefix(1);
  }
  while (!v.empty() && isOws(v.back())) {
    v.remove_suffix(1);
  }
  return v;
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
  value = trimOws(value);
  if (value.empty()) {
    return Unexpected(TraceparentError::kEmpty);
  }
  Traceparent tp;
  if (value.size() < 2 || !hex::decodeU8(value.data(), tp.version)) {
    return Unexpected(TraceparentError::kInvalidVersion);
  }
  if (tp.version == 0xff) {
    return Unexpected(TraceparentError::kForbiddenVersion);
  }
  if (value.size() < kTraceparentSize || (tp.version == 0 && value.size() != kTraceparentSize) ||
      (value.size() > kTraceparentSize && value[kTraceparentSize] != '-')) {
    return Unexpected(TraceparentError::kInvalidLength);
  }
  const char* p = value.data();
  if (p[2] != '-' || p[35] != '-' || p[52] != '-') {
    return Unexpected(TraceparentError::kInvalidSeparator);
  }
  if (!hex::decodeU64(p + 3, tp.trace_id.hi) || !hex::decodeU64(p + 19, tp.trace_id.lo)) {
    return Unexpected(TraceparentError::kInvalidTraceId);
  }
  if (!tp.trace_id.isValid()) {
    return Unexpected(TraceparentError::kZeroTraceId);
  }
  if (!hex::decodeU64(p + 36, tp.parent_id.value)) {
    return Unexpected(TraceparentError::kInvalidParentId);
  }
  if (!tp.parent_id.isValid()) {
    return Unexpected(TraceparentError::kZeroParentId);
  }
  if (!hex::decodeU8(p + 53, tp.flags)) {
    return Unexpected(TraceparentError::kInvalidFlags);
  }
  return tp;
}

void formatTraceparent(const Traceparent& tp, char* out) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  tp.trace_id.toHex(out + 3);
  out[35] = '-';
  tp.parent_id.toHex(out + 36);
  out[52] = '-';
  hex::encodeU8(static_cast<std::uint8_t>(tp.flags & kKnownFlags), out + 53);
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
  Traceparent tp = parent;
  tp.parent_id = IdGenerator::forThisThread().spanId();
  return tp;
}

}  // namespace stitch::tracecontext
