#include "core/export/otlp_response.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::exporting;

TEST_CASE("OTLP/HTTP statuses: 2xx success, 429/502/503/504 retryable, others permanent",
          "[export]") {
  CHECK(classifyOtlpHttpStatus(200) == HttpDisposition::kSuccess);
  CHECK(classifyOtlpHttpStatus(202) == HttpDisposition::kSuccess);
  for (unsigned s : {429U, 502U, 503U, 504U}) {
    CHECK(classifyOtlpHttpStatus(s) == HttpDisposition::kRetryable);
  }
  for (unsigned s : {301U, 400U, 401U, 403U, 404U, 413U, 500U, 501U}) {
    CHECK(classifyOtlpHttpStatus(s) == HttpDisposition::kPermanent);
  }
}

TEST_CASE("Retry-After accepts delta-seconds and IMF-fixdate", "[export]") {
  const TimestampNs now = 1445412480LL * kNanosPerSecond;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(parseRetryAfter("120", now) == std::chrono::seconds(120));
  CHECK(parseRetryAfter(" 0 ", now) == std::chrono::seconds(0));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now) == std::chrono::seconds(30));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == std::chrono::seconds(0));
  CHECK_FALSE(parseRetryAfter("", now));
  CHECK_FALSE(parseRetryAfter("soon", now));
  CHECK_FALSE(parseRetryAfter("12s", now));
  CHECK_FALSE(parseRetryAfter("-5", now));
  CHECK_FALSE(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 PST", now));
}

TEST_CASE("partialSuccess is read with counts as strings or numbers", "[export]") {
  auto p =
      parsePartialSuccess(R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad spans"}})",
                          OtlpSignal::kTraces);
  CHECK(p.present);
  CHECK(p.rejected == 3);
  CHECK(p.error_message == "bad spans");

  p = parsePartialSuccess(R"({"partialSuccess":{"rejectedLogRecords":2}})", OtlpSignal::kLogs);
  CHECK(p.present);
  CHECK(p.rejected == 2);

  p = parsePartialSuccess(R"({"partialSuccess":{"errorMessage":"slow down"}})", OtlpSignal::kLogs);
  CHECK(p.present);
  CHECK(p.rejected == 0);

  CHECK_FALSE(parsePartialSuccess("{}", OtlpSignal::kTraces).present);
  CHECK_FALSE(parsePartialSuccess("", OtlpSignal::kTraces).present);
  CHECK_FALSE(parsePartialSuccess("\x0a\x02\x08\x03", OtlpSignal::kTraces).present);
  CHECK_FALSE(parsePartialSuccess("{\"partialSuccess\":", OtlpSignal::kTraces).present);
}

TEST_CASE("describeErrorBody prefers a Status message and stays printable", "[export]") {
  CHECK(describeErrorBody(R"({"code":3,"message":"invalid span"})") == "invalid span");
  CHECK(describeErrorBody("oops\n\x01") == "oops  ");
  CHECK(describeErrorBody(std::string(2000, 'x')).size() < 600);
}
