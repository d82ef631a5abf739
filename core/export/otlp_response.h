#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.h"
#include "core/export/otlp_json.h"

namespace stitch::exporting {

// What an OTLP/HTTP response status means for the request (OTLP specification, "OTLP/HTTP
// Response"): 2xx success; 429, 502, 503 and 504 retryable; every other status permanent.
enum class HttpDisposition : std::uint8_t { kSuccess, kRetryable, kPermanent };
HttpDisposition classifyOtlpHttpStatus(unsigned status) noexcept;

// The wait a Retry-After header asks for: delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a date in the past means 0).
// nullopt when the value is neither.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, TimestampNs now);

// The partial_success of an Export{Trace,Logs}ServiceResponse in OTLP/JSON.
struct PartialSuccess {
  bool present = false;       // the field was there (rejected may still be 0: a warning)
  std::int64_t rejected = 0;  // rejectedSpans or rejectedLogRecords
  std::string error_message;  // errorMessage, at most kMaxErrorMessage bytes
};
inline constexpr std::size_t kMaxErrorMessage = 512;

// Reads partialSuccess from a JSON response body. An empty body, a body that is not JSON
// (e.g. a server answering in protobuf) or one without the field yields present = false.
// Accepts the counts as numbers or as decimal strings, as the proto3 JSON mapping allows.
PartialSuccess parsePartialSuccess(std::string_view body, OtlpSignal signal);

// A short, printable description of an error response body for logs: the message of a
// google.rpc.Status JSON object when the body is one, else the body's first printable bytes.
std::string describeErrorBody(std::string_view body);

}  // namespace stitch::exporting
