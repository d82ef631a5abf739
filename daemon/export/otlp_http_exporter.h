#pragma once

#include <memory>
#include <string>

#include "core/common/clock.h"
#include "core/export/exporter_config.h"
#include "core/export/otlp_json.h"
#include "daemon/export/exporter.h"
#include "daemon/export/http_client.h"

namespace stitch::daemon {

// Sends OTLP/HTTP with JSON encoding: spans to {endpoint}{traces_path}, log records to
// {endpoint}{logs_path}, gzip-compressed unless compression is none, with the configured
// headers, each request bounded by `timeout`. Responses follow the OTLP specification: 2xx
// success (partialSuccess rejections counted), 429/502/503/504 and network errors retried
// (Retry-After honoured), any other status a permanent failure.
// Threading: the exporter worker, except construction.
class OtlpHttpExporter final : public ExporterBackend {
public:
  // Throws std::invalid_argument for an endpoint that validate() would reject.
  OtlpHttpExporter(const exporting::OtlpHttpExporterConfig& config, const Clock& clock);

  EncodeStats encode(std::span<const exporting::ExportItem> items,
                     std::vector<Payload>& out) override;
  SendResult send(Payload& payload, SteadyTime deadline) override;
  void close() override;
  void registerMetrics(metrics::Registry& registry, const metrics::Labels& labels) override;

  const HttpClient& client() const noexcept { return *client_; }

private:
  const exporting::OtlpHttpExporterConfig config_;
  const Clock& clock_;
  std::unique_ptr<HttpClient> client_;
  std::string traces_target_;
  std::string logs_target_;
  HttpClient::Headers headers_;
  exporting::OtlpEncoder encoder_;
  std::vector<exporting::OtlpRequest> requests_;  // scratch
  metrics::Counter* synthetic_spans_ = nullptr;
  std::uint64_t published_synthetic_ = 0;
};

}  // namespace stitch::daemon
