#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

// Exact decimal parsing for the decoder: JSON numbers are read from their text, not through
// double, so that an epoch in nanoseconds or a duration of 12.345 ms converts without rounding.
namespace stitch::decode {

// True when `token` is exactly one JSON number (RFC 8259: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?).
bool isJsonNumber(std::string_view token) noexcept;

// The value of JSON number `token` times `scale` (a power of ten, 1..10^9), truncated toward
// zero. nullopt when `token` is not a JSON number or the result does not fit in int64.
std::optional<std::int64_t> scaleDecimal(std::string_view token, std::int64_t scale) noexcept;

// An unsigned decimal integer without sign, fraction or exponent ("0" to "18446744073709551615",
// leading zeros allowed). nullopt otherwise.
std::optional<std::uint64_t> parseUnsignedDecimal(std::string_view digits) noexcept;

}  // namespace stitch::decode
