#include "core/export/otlp_response.h"

#include <cstdint>
#include <cstring>
#include <ctime>

#include <simdjson.h>

namespace stitch::exporting {
namespace {

namespace sj = simdjson;

// Reads an int64 given as a JSON number or a decimal string.
bool readCount(sj::dom::element element, std::int64_t& out) {
  if (element.is_int64()) {
    out = element.get_int64().value_unsafe();
    return true;
  }
  if (element.is_uint64()) {
    out = INT64_MAX;
    return true;
  }
  std::string_view text;
  if (element.get_string().get(text) != sj::SUCCESS || text.empty() || text.size() > 19) {
    return false;
  }
  std::int64_t value = 0;
  bool negative = false;
  if (text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
    if (text.empty()) {
      return false;
    }
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value > (INT64_MAX - 9) / 10 ? INT64_MAX : value * 10 + (c - '0');
  }
  out = negative ? -value : value;
  return true;
}

std::string printablePrefix(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxErrorMessage) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : ' ';
  }
  return out;
}

bool parseDocument(std::string_view body, sj::dom::parser& parser, sj::dom::element& root) {
  if (body.empty() || body.size() > (1U << 20)) {
    return false;
  }
  const sj::padded_string padded(body);
  return parser.parse(padded).get(root) == sj::SUCCESS;
}

}  // namespace

HttpDisposition classifyOtlpHttpStatus(unsigned status) noexcept {
  if (status >= 200 && status < 300) {
    return HttpDisposition::kSuccess;
  }
  switch (status) {
    case 429:
    case 502:
    case 503:
    case 504:
      return HttpDisposition::kRetryable;
    default:
      return HttpDisposition::kPermanent;
  }
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, TimestampNs now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  if (value.front() >= '0' && value.front() <= '9') {
    std::int64_t seconds = 0;
    for (char c : value) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      seconds = std::min<std::int64_t>(seconds * 10 + (c - '0'), 1'000'000'000);
    }
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate, the only HTTP-date form senders may generate (RFC 9110 5.6.7).
  if (value.size() != 29 || value.substr(25) != " GMT") {
    return std::nullopt;
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  const std::time_t at = timegm(&tm);
  if (at == static_cast<std::time_t>(-1)) {
    return std::nullopt;
  }
  const std::int64_t delta = static_cast<std::int64_t>(at) - now / kNanosPerSecond;
  return std::chrono::seconds(delta > 0 ? delta : 0);
}

PartialSuccess parsePartialSuccess(std::string_view body, OtlpSignal signal) {
  PartialSuccess out;
  sj::dom::parser parser;
  sj::dom::element root;
  if (!parseDocument(body, parser, root)) {
    return out;
  }
  sj::dom::object partial;
  if (root["partialSuccess"].get(partial) != sj::SUCCESS) {
    return out;
  }
  out.present = true;
  const char* field = signal == OtlpSignal::kTraces ? "rejectedSpans" : "rejectedLogRecords";
  sj::dom::element count;
  if (partial[field].get(count) == sj::SUCCESS) {
    std::int64_t rejected = 0;
    if (readCount(count, rejected) && rejected > 0) {
      out.rejected = rejected;
    }
  }
  std::string_view message;
  if (partial["errorMessage"].get(message) == sj::SUCCESS) {
    out.error_message = printablePrefix(message);
  }
  return out;
}

std::string describeErrorBody(std::string_view body) {
  sj::dom::parser parser;
  sj::dom::element root;
  if (parseDocument(body, parser, root)) {
    std::string_view message;
    if (root["message"].get(message) == sj::SUCCESS) {
      return printablePrefix(message);
    }
  }
  return printablePrefix(body);
}

}  // namespace stitch::exporting
