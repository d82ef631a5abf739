#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/tracecontext/ids.h"

namespace stitch::tracecontext {

inline constexpr std::size_t kTraceparentSize = 55;  // "00-" + 32 hex + "-" + 16 hex + "-" + 2 hex

inline constexpr std::uint8_t kFlagSampled = 0x01;  // W3C Level 1: sampled
inline constexpr std::uint8_t kFlagRandom = 0x02;   // W3C Level 2: random trace-id
inline constexpr std::uint8_t kKnownFlags = kFlagSampled | kFlagRandom;

// Why a traceparent value was rejected. The numeric values are stable (they are stored in
// records and used as metric label indexes); names come from reasonName(). When a value has
// several faults, the first one from left to right is reported.
enum class TraceparentError : std::uint8_t {
  kEmpty = 0,         // nothing but spaces/tabs
  kInvalidLength,     // version 00 not exactly 55 chars, or a higher version shorter than 55
  kInvalidVersion,    // not two lowercase hex digits followed by '-'
  kForbiddenVersion,  // version ff
  kInvalidSeparator,  // '-' missing where the format has one (for a higher version, after the
                      // flags too: they must end the value or be followed by '-')
  kInvalidTraceId,    // trace-id not 32 lowercase hex digits (uppercase included)
  kZeroTraceId,       // trace-id all zeros
  kInvalidParentId,   // parent-id not 16 lowercase hex digits
  kZeroParentId,      // parent-id all zeros
  kInvalidFlags,      // trace-flags not 2 lowercase hex digits
};
inline constexpr std::size_t kTraceparentErrorCount = 10;

// Stable snake_case name of a rejection reason, e.g. "zero_trace_id" (metric label value).
std::string_view reasonName(TraceparentError error) noexcept;

struct Traceparent {
  std::uint8_t version = 0;  // as received; formatting always writes 00
  TraceId trace_id;
  SpanId parent_id;
  std::uint8_t flags = 0;  // as received; formatting as version 00 keeps kKnownFlags only

  constexpr bool sampled() const noexcept { return (flags & kFlagSampled) != 0; }
  constexpr bool random() const noexcept { return (flags & kFlagRandom) != 0; }
  friend constexpr bool operator==(const Traceparent&, const Traceparent&) = default;
};

// Parses a W3C traceparent value (Level 2). Spaces and tabs around the value are ignored.
// Version 00 must be exactly 55 chars; a higher version (01..fe) is read by its first 55
// chars, which must be followed by '-' or the end (what follows is not looked at). Version ff,
// uppercase hex and all-zero ids are rejected. An accepted value always has non-zero ids.
// Never throws and never allocates: malformed input is an expected outcome.
Result<Traceparent, TraceparentError> parseTraceparent(std::string_view value) noexcept;

// Writes the version-00 form of `tp` (55 chars, unknown flag bits dropped) at `out`, whatever
// version `tp` was received with: W3C asks a vendor to re-emit the highest version it knows.
// Never allocates.
void formatTraceparent(const Traceparent& tp, char* out) noexcept;
std::array<char, kTraceparentSize> formatTraceparent(const Traceparent& tp) noexcept;
std::string toString(const Traceparent& tp);

// A new root context: random trace-id and parent-id (never all-zero), version 00, flags random
// (the whole trace-id is uniformly random) plus sampled when asked.
// Ids come from the calling thread's IdGenerator (fast, seeded from the OS CSPRNG).
Traceparent make(bool sampled = true) noexcept;

// The context to send downstream: same version, trace-id and flags, a new random parent-id
// (never all-zero, never the parent's own). Format it to send it: that writes version 00 and
// clears unknown flag bits.
Traceparent child(const Traceparent& parent) noexcept;

}  // namespace stitch::tracecontext
