#include "daemon/export/otlp_http_exporter.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/export/gzip.h"
#include "core/export/otlp_response.h"

namespace stitch::daemon {
namespace {

exporting::HttpUrl parseEndpoint(const std::string& endpoint) {
  auto url = exporting::parseHttpUrl(endpoint);
  if (!url) {
    throw std::invalid_argument("otlp_http endpoint " + endpoint + ": " + url.error());
  }
  if (url->scheme != "http") {
    throw std::invalid_argument("otlp_http endpoint " + endpoint + ": only http:// is supported");
  }
  return std::move(url).value();
}

exporting::OtlpEncoderOptions encoderOptions(const exporting::OtlpHttpExporterConfig& config) {
  exporting::OtlpEncoderOptions options;
  options.log_events = config.log_events;
  options.traces = !config.traces_path.empty();
  options.logs = !config.logs_path.empty();
  options.max_request_bytes = config.max_request_bytes;
  return options;
}

}  // namespace

OtlpHttpExporter::OtlpHttpExporter(const exporting::OtlpHttpExporterConfig& config,
                                   const Clock& clock)
    : config_(config),
      clock_(clock),
      client_(std::make_unique<HttpClient>(parseEndpoint(config.endpoint))),
      encoder_(encoderOptions(config)) {
  traces_target_ = client_->url().target(config.traces_path);
  logs_target_ = client_->url().target(config.logs_path);
  headers_.emplace_back("Content-Type", "application/json");
  if (config.compression == exporting::Compression::kGzip) {
    headers_.emplace_back("Content-Encoding", "gzip");
  }
  for (const auto& header : config.headers) {
    headers_.push_back(header);
  }
}

EncodeStats OtlpHttpExporter::encode(std::span<const exporting::ExportItem> items,
                                     std::vector<Payload>& out) {
  const exporting::OtlpEncoderStats before = encoder_.stats();
  requests_.clear();
  encoder_.encode(items, requests_);
  for (auto& request : requests_) {
    Payload payload;
    payload.records = request.records;
    payload.channel = static_cast<std::uint8_t>(request.signal);
    if (config_.compression == exporting::Compression::kGzip) {
      if (!exporting::gzipCompress(request.body, payload.body)) {
        throw std::runtime_error("gzip compression failed");  // out of memory: counted by Exporter
      }
    } else {
      payload.body = std::move(request.body);
    }
    out.push_back(std::move(payload));
  }
  const exporting::OtlpEncoderStats& after = encoder_.stats();
  if (synthetic_spans_ != nullptr) {
    synthetic_spans_->add(after.synthetic_spans - published_synthetic_);
    published_synthetic_ = after.synthetic_spans;
  }
  EncodeStats stats;
  stats.skipped_records = after.skipped_records - before.skipped_records;
  stats.invalid_attributes = after.attribute_errors - before.attribute_errors;
  return stats;
}

SendResult OtlpHttpExporter::send(Payload& payload, SteadyTime deadline) {
  deadline = std::min(deadline, std::chrono::steady_clock::now() + config_.timeout);
  const auto signal = static_cast<exporting::OtlpSignal>(payload.channel);
  const std::string& target =
      signal == exporting::OtlpSignal::kTraces ? traces_target_ : logs_target_;
  auto response = client_->post(target, payload.body, headers_, deadline);
  if (!response) {
    return SendResult::retryable(response.error().reason, response.error().message);
  }
  const unsigned status = response->status;
  switch (exporting::classifyOtlpHttpStatus(status)) {
    case exporting::HttpDisposition::kSuccess: {
      const auto partial = exporting::parsePartialSuccess(response->body, signal);
      SendResult result = SendResult::ok(static_cast<std::uint64_t>(partial.rejected));
      result.detail = partial.error_message;
      return result;
    }
    case exporting::HttpDisposition::kRetryable: {
      SendResult result =
          SendResult::retryable(fmt::format("http_{}", status),
                                fmt::format("POST {} returned {}: {}", target, status,
                                            exporting::describeErrorBody(response->body)));
      if (auto wait = exporting::parseRetryAfter(response->retry_after, clock_.now())) {
        result.retry_after = *wait;
      }
      return result;
    }
    case exporting::HttpDisposition::kPermanent:
      break;
  }
  return SendResult::permanent(fmt::format("http_{}", status),
                               fmt::format("POST {} returned {}: {}", target, status,
                                           exporting::describeErrorBody(response->body)));
}

void OtlpHttpExporter::close() {
  client_->close();
}

void OtlpHttpExporter::registerMetrics(metrics::Registry& registry, const metrics::Labels& labels) {
  synthetic_spans_ = &registry.counter(
      "stitch_exporter_synthetic_spans_total",
      "Spans made for span ids known only from log events (log_events: span_events or both)",
      labels);
}

}  // namespace stitch::daemon
