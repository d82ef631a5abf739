// Fuzzes what the OTLP/HTTP exporter reads from outside: response bodies (partialSuccess,
// error Status), Retry-After values, endpoint URLs and gzip streams.
// Properties: no crash; parsing twice gives the same result; a parsed URL printed back parses
// to the same URL; gzip round-trips the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/export/gzip.h"
#include "core/export/http_url.h"
#include "core/export/otlp_response.h"

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stitch::exporting;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (auto signal : {OtlpSignal::kTraces, OtlpSignal::kLogs}) {
    const PartialSuccess a = parsePartialSuccess(text, signal);
    const PartialSuccess b = parsePartialSuccess(text, signal);
    require(a.present == b.present && a.rejected == b.rejected &&
            a.error_message == b.error_message);
    require(a.rejected >= 0);
    require(a.error_message.size() <= kMaxErrorMessage + 3);
  }
  const std::string described = describeErrorBody(text);
  for (char c : described) {
    require(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
  }

  const auto wait = parseRetryAfter(text, 1'700'000'000LL * 1'000'000'000LL);
  require(wait == parseRetryAfter(text, 1'700'000'000LL * 1'000'000'000LL));
  if (wait) {
    require(wait->count() >= 0);
  }

  if (auto url = parseHttpUrl(text)) {
    const std::string printed = url->scheme + "://" + url->hostHeader() + url->path;
    const auto again = parseHttpUrl(printed);
    require(again.has_value());
    require(again->host == url->host && again->port == url->port && again->path == url->path &&
            again->scheme == url->scheme);
  }

  std::string out;
  (void)gzipDecompress(text, out, 1 << 20);
  std::string compressed;
  require(gzipCompress(text, compressed));
  require(gzipDecompress(compressed, out, size + 1));
  require(out == text);
  return 0;
}
