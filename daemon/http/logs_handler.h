#pragma once

#include <chrono>
#include <memory>

#include "core/common/clock.h"
#include "core/decode/decode_config.h"
#include "core/decode/decode_output.h"
#include "core/decode/decoder.h"
#include "core/ingest/api_config.h"
#include "core/ingest/record_sink.h"
#include "daemon/asio.h"
#include "daemon/http/router.h"
#include "daemon/ingest/ingest_metrics.h"

namespace stitch::daemon {

class DeadLetterWriter;

// POST /v1/logs: an NDJSON body (optionally gzip or deflate encoded), one record per line.
//   200 {"accepted": n, "rejected": m, "errors": {"malformed_json": m, ...}}  some were valid
//   400 {"error": "...", ...same counts}   the body held no valid record (or nothing at all)
//   413 {"error": "..."}   the body (or its decompressed form) is larger than api.max_body
//   415 {"error": "..."}   an unsupported Content-Encoding
//   503 {"error": "..."} + Retry-After   the pipeline stayed full for api.push_timeout (nothing
//                          of the request was taken: retrying it creates no duplicates)
// A request's records are handed on as one batch, all or nothing.
// Threading: the HTTP server's thread only.
class LogsHandler {
public:
  LogsHandler(asio::io_context& io,
              ingest::RecordSink& sink,
              DeadLetterWriter* dead_letters,
              IngestMetrics& metrics,
              const Clock& clock,
              const decode::DecodeConfig& decode,
              const ingest::ApiConfig& api);
  ~LogsHandler();

  void handle(HttpRequest&& request, Respond respond);
  // New decode settings and limits for the next requests. HTTP thread.
  void applySettings(const decode::DecodeConfig& decode, const ingest::ApiConfig& api);

private:
  struct PendingPush;
  void retryPush(std::shared_ptr<PendingPush> pending);

  asio::io_context& io_;
  ingest::RecordSink& sink_;
  DeadLetterWriter* dead_letters_;
  IngestMetrics& metrics_;
  const Clock& clock_;
  ingest::ApiConfig api_;
  std::unique_ptr<decode::Decoder> decoder_;
  decode::DecodeOutput out_;
};

}  // namespace stitch::daemon
