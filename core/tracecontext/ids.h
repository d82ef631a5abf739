#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/hex.h"

namespace stitch::tracecontext {

inline constexpr std::size_t kTraceIdHexSize = 32;
inline constexpr std::size_t kSpanIdHexSize = 16;

// A W3C trace-id: 16 bytes held as two big-endian halves, so that "the low 56 bits" that W3C
// Level 2 and OpenTelemetry's consistent sampling read as randomness are `lo & kRandomMask`.
struct TraceId {
  std::uint64_t hi = 0;  // bytes 0..7, hex chars 0..15
  std::uint64_t lo = 0;  // bytes 8..15, hex chars 16..31

  // The all-zero id is W3C's "invalid" trace-id.
  constexpr bool isValid() const noexcept { return (hi | lo) != 0; }
  // The right-most 7 bytes: the randomness R of consistent probability sampling.
  static constexpr std::uint64_t kRandomMask = (std::uint64_t{1} << 56) - 1;
  constexpr std::uint64_t randomness() const noexcept { return lo & kRandomMask; }

  friend constexpr bool operator==(const TraceId&, const TraceId&) = default;
  friend constexpr auto operator<=>(const TraceId&, const TraceId&) = default;

  // Exactly 32 lowercase hex digits; the all-zero id parses (validity is the caller's call).
  static std::optional<TraceId> fromHex(std::string_view text) noexcept {
    TraceId id;
    if (text.size() != kTraceIdHexSize || !hex::decodeU64(text.data(), id.hi) ||
        !hex::decodeU64(text.data() + 16, id.lo)) {
      return std::nullopt;
    }
    return id;
  }
  void toHex(char* out) const noexcept {
    hex::encodeU64(hi, out);
    hex::encodeU64(lo, out + 16);
  }
  std::array<char, kTraceIdHexSize> hexChars() const noexcept {
    std::array<char, kTraceIdHexSize> out;
    toHex(out.data());
    return out;
  }
  std::string hex() const {
    const auto chars = hexChars();
    return {chars.data(), chars.size()};
  }
};

// A W3C parent-id / span id: 8 bytes, big-endian.
struct SpanId {
  std::uint64_t value = 0;

  constexpr bool isValid() const noexcept { return value != 0; }
  friend constexpr bool operator==(const SpanId&, const SpanId&) = default;
  friend constexpr auto operator<=>(const SpanId&, const SpanId&) = default;

  // Exactly 16 lowercase hex digits; the all-zero id parses (validity is the caller's call).
  static std::optional<SpanId> fromHex(std::string_view text) noexcept {
    SpanId id;
    if (text.size() != kSpanIdHexSize || !hex::decodeU64(text.data(), id.value)) {
      return std::nullopt;
    }
    return id;
  }
  void toHex(char* out) const noexcept { hex::encodeU64(value, out); }
  std::array<char, kSpanIdHexSize> hexChars() const noexcept {
    std::array<char, kSpanIdHexSize> out;
    toHex(out.data());
    return out;
  }
  std::string hex() const {
    const auto chars = hexChars();
    return {chars.data(), chars.size()};
  }
};

// Well-mixed hashes (ids from non-random generators are common in logs, so do not trust the
// low bits alone). Also the shard router's hash: a trace id always maps to the same shard.
inline constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

struct TraceIdHash {
  std::size_t operator()(const TraceId& id) const noexcept {
    return static_cast<std::size_t>(mix64(id.hi ^ mix64(id.lo)));
  }
};

struct SpanIdHash {
  std::size_t operator()(const SpanId& id) const noexcept {
    return static_cast<std::size_t>(mix64(id.value));
  }
};

}  // namespace stitch::tracecontext
