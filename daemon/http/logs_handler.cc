#include "daemon/http/logs_handler.h"

#include <array>

#include <zlib.h>

#include "core/common/json_writer.h"
#include "daemon/ingest/read_buffer.h"
#include "daemon/output/dead_letter_writer.h"

namespace stitch::daemon {
namespace {

constexpr std::chrono::milliseconds kRetryInterval{5};

enum class InflateResult { kOk, kTooLarge, kCorrupt };

// Decompresses a gzip or zlib ("deflate") body into `out`, at most `limit` bytes.
InflateResult inflateBody(std::string_view in, std::uint64_t limit, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, MAX_WBITS + 32) != Z_OK) {  // +32: detect gzip or zlib headers
    return InflateResult::kCorrupt;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::array<char, 64 * 1024> chunk;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return InflateResult::kCorrupt;
    }
    const std::size_t produced = chunk.size() - z.avail_out;
    if (out.size() + produced > limit) {
      inflateEnd(&z);
      return InflateResult::kTooLarge;
    }
    out.append(chunk.data(), produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) {
      inflateEnd(&z);
      return InflateResult::kCorrupt;  // truncated stream
    }
  }
  inflateEnd(&z);
  return InflateResult::kOk;
}

std::string countsBody(std::string_view error,
                       std::uint64_t accepted,
                       std::uint64_t rejected,
                       const decode::DecodeStats& stats,
                       std::uint64_t policy_rejected) {
  std::string body;
  json::Writer w(body);
  w.beginObject();
  if (!error.empty()) {
    w.field("error", error);
  }
  w.field("accepted", accepted).field("rejected", rejected);
  w.key("errors").beginObject();
  for (std::size_t i = 0; i < decode::kDecodeErrorCount; ++i) {
    if (stats.errors[i] != 0) {
      w.field(decode::reasonName(static_cast<decode::DecodeError>(i)), stats.errors[i]);
    }
  }
  if (policy_rejected != 0) {
    w.field("invalid_context", policy_rejected);
  }
  w.endObject().endObject();
  body += '\n';
  return body;
}

}  // namespace

struct LogsHandler::PendingPush {
  PendingPush(asio::io_context& io, HttpRequest&& req, Respond&& done)
      : request(std::move(req)), respond(std::move(done)), timer(io) {}
  HttpRequest request;
  Respond respond;
  record::RecordBatch batch;
  std::string ok_body;
  std::chrono::steady_clock::time_point deadline;
  asio::steady_timer timer;
};

LogsHandler::LogsHandler(asio::io_context& io,
                         ingest::RecordSink& sink,
                         DeadLetterWriter* dead_letters,
                         IngestMetrics& metrics,
                         const Clock& clock,
                         const decode::DecodeConfig& decode,
                         const ingest::ApiConfig& api)
    : io_(io),
      sink_(sink),
      dead_letters_(dead_letters),
      metrics_(metrics),
      clock_(clock),
      api_(api),
      decoder_(std::make_unique<decode::Decoder>(decode)) {}

LogsHandler::~LogsHandler() = default;

void LogsHandler::applySettings(const decode::DecodeConfig& decode, const ingest::ApiConfig& api) {
  decoder_ = std::make_unique<decode::Decoder>(decode);
  api_ = api;
}

void LogsHandler::handle(HttpRequest&& request, Respond respond) {
  std::string& body = request.body();
  const std::string_view encoding = request[http::field::content_encoding];
  if (!encoding.empty() && !beast::iequals(encoding, "identity")) {
    if (!beast::iequals(encoding, "gzip") && !beast::iequals(encoding, "x-gzip") &&
        !beast::iequals(encoding, "deflate")) {
      respond(makeError(request, http::status::unsupported_media_type,
                        "unsupported Content-Encoding (use gzip, deflate or none)"));
      return;
    }
    std::string inflated;
    switch (inflateBody(body, api_.max_body, inflated)) {
      case InflateResult::kOk:
        body = std::move(inflated);
        break;
      case InflateResult::kTooLarge:
        respond(makeError(request, http::status::payload_too_large,
                          "decompressed body larger than api.max_body"));
        return;
      case InflateResult::kCorrupt:
        respond(makeError(request, http::status::bad_request,
                          "the body is not valid " + std::string(encoding) + " data"));
        return;
    }
  }
  body.reserve(body.size() + kDecodePadding);  // the decoder reads past the end

  out_.clear();
  decoder_->decodeLines(body, clock_.now(), out_);
  const decode::DecodeStats stats = out_.stats;
  metrics_.addDecode(Transport::kHttp, stats, FrameStats{});
  if (dead_letters_ != nullptr && !out_.dead_letters.empty()) {
    dead_letters_->push(std::move(out_.dead_letters), Transport::kHttp);
  }
  const std::uint64_t accepted = out_.traced.size() + out_.untraced.size();
  std::uint64_t errors = 0;
  for (std::uint64_t n : stats.errors) {
    errors += n;
  }
  const std::uint64_t rejected = stats.lines - accepted;
  const std::uint64_t policy_rejected = rejected - std::min(rejected, errors);

  if (stats.lines == 0) {
    respond(makeError(request, http::status::bad_request,
                      "empty body: expected NDJSON, one JSON object per line"));
    return;
  }
  if (accepted == 0) {
    respond(makeResponse(
        request, http::status::bad_request, "application/json",
        countsBody("no record in the body was accepted", 0, rejected, stats, policy_rejected)));
    return;
  }

  auto pending = std::make_shared<PendingPush>(io_, std::move(request), std::move(respond));
  pending->batch = std::move(out_.traced);
  pending->batch.reserve(accepted);
  for (auto& r : out_.untraced) {
    pending->batch.push_back(std::move(r));
  }
  out_.clear();
  pending->ok_body = countsBody({}, accepted, rejected, stats, policy_rejected);
  pending->deadline = std::chrono::steady_clock::now() + api_.push_timeout;
  retryPush(std::move(pending));
}

void LogsHandler::retryPush(std::shared_ptr<PendingPush> pending) {
  const ingest::PushResult result = sink_.tryPush(pending->batch);
  if (result == ingest::PushResult::kAccepted) {
    pending->respond(makeResponse(pending->request, http::status::ok, "application/json",
                                  std::move(pending->ok_body)));
    return;
  }
  const bool closed = result == ingest::PushResult::kClosed;
  if (!closed && std::chrono::steady_clock::now() + kRetryInterval < pending->deadline) {
    pending->timer.expires_after(kRetryInterval);
    pending->timer.async_wait([this, pending](const error_code& ec) {
      if (!ec) {
        retryPush(pending);
      }
    });
    return;
  }
  metrics_.addDropped(closed ? DropReason::kShutdown : DropReason::kBackpressure,
                      pending->batch.size());
  auto response = makeError(pending->request, http::status::service_unavailable,
                            closed ? "stitchd is shutting down; send again to another instance"
                                   : "the pipeline is full; retry later");
  response.set(http::field::retry_after, "1");
  pending->respond(std::move(response));
}

}  // namespace stitch::daemon
