#include "daemon/app/daemon.h"

#include <atomic>
#include <optional>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/common/clock.h"
#include "core/common/json_writer.h"
#include "core/common/log_rate_limiter.h"
#include "core/ingest/record_queue.h"
#include "core/metrics/metrics.h"
#include "daemon/http/http_server.h"
#include "daemon/http/logs_handler.h"
#include "daemon/http/router.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/ingest_pool.h"
#include "daemon/ingest/worker.h"
#include "daemon/logging.h"
#include "daemon/output/dead_letter_writer.h"
#include "daemon/output/output_writer.h"

namespace stitch::daemon {
namespace {

// Dead letters waiting to be written, at most; beyond it they are dropped and counted.
constexpr std::uint64_t kDeadLetterQueueBytes = 16 * 1024 * 1024;

bool usesDeadLetters(const config::StitchConfig& config) {
  return config.decode.invalid_context == decode::InvalidContextPolicy::kDeadLetter;
}

std::shared_ptr<const IngestSettings> makeSettings(const config::StitchConfig& config) {
  return std::make_shared<const IngestSettings>(IngestSettings{config.decode, config.ingest});
}

}  // namespace

struct Daemon::Impl {
  explicit Impl(const config::StitchConfig& c)
      : config(c),
        warnings(clock, config.runtime.log.warning_interval),
        ingest_metrics(registry),
        queue(config.output.queue_records, config.output.queue_bytes),
        writer(config.output, queue, registry, warnings),
        dead_letters(usesDeadLetters(config)
                         ? std::make_unique<DeadLetterWriter>(config.decode.dead_letter_path,
                                                              kDeadLetterQueueBytes,
                                                              ingest_metrics,
                                                              warnings)
                         : nullptr),
        pool(makeSettings(config), queue, dead_letters.get(), ingest_metrics, warnings, clock) {
    ingest_metrics.setDropsUntraced(config.decode.invalid_context ==
                                    decode::InvalidContextPolicy::kDrop);
    if (config.api.enabled) {
      http.emplace(config.api, router, ingest_metrics, warnings);
      logs.emplace(http->io(), queue, dead_letters.get(), ingest_metrics, clock, config.decode,
                   config.api);
    }
    registerRoutes();
    registerGauges();
  }

  ~Impl() { registry.removeCallbacks(this); }

  void registerRoutes() {
    router.add(http::verb::get, "/healthz", [](HttpRequest&& request, Respond respond) {
      respond(makeResponse(request, http::status::ok, "application/json", "{\"status\":\"ok\"}\n"));
    });
    router.add(http::verb::get, "/readyz", [this](HttpRequest&& request, Respond respond) {
      const bool is_ready = ready.load();
      respond(makeResponse(request, is_ready ? http::status::ok : http::status::service_unavailable,
                           "application/json",
                           is_ready ? "{\"status\":\"ready\"}\n"
                                    : (stopping.load() ? "{\"status\":\"stopping\"}\n"
                                                       : "{\"status\":\"starting\"}\n")));
    });
    router.add(http::verb::get, "/metrics", [this](HttpRequest&& request, Respond respond) {
      respond(makeResponse(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                           registry.renderPrometheus()));
    });
    if (logs) {
      router.add(http::verb::post, "/v1/logs", [this](HttpRequest&& request, Respond respond) {
        logs->handle(std::move(request), std::move(respond));
      });
    }
  }

  void registerGauges() {
    const metrics::Labels output_queue{{"queue", "output"}};
    registry.gaugeCallback(
        "stitch_queue_depth", "Records waiting in a queue", output_queue,
        [this] { return static_cast<double>(queue.records()); }, this);
    registry.gaugeCallback(
        "stitch_queue_capacity", "Records a queue holds before it refuses more (backpressure)",
        output_queue, [this] { return static_cast<double>(queue.maxRecords()); }, this);
    registry.gaugeCallback(
        "stitch_queue_bytes", "Bytes of the records waiting in a queue", output_queue,
        [this] { return static_cast<double>(queue.bytes()); }, this);
    registry.gaugeCallback(
        "stitch_bytes_held",
        "Bytes of records held in memory between ingest and output (queues and write buffer)", {},
        [this] { return static_cast<double>(queue.bytes() + writer.bufferedBytes()); }, this);
    registry.gaugeCallback(
        "stitch_ready", "1 while stitchd accepts records, 0 while starting or stopping", {},
        [this] { return ready.load() ? 1.0 : 0.0; }, this);
  }

  config::StitchConfig config;
  SystemClock clock;
  metrics::Registry registry;
  LogRateLimiter warnings;
  IngestMetrics ingest_metrics;
  ingest::RecordQueue queue;
  OutputWriter writer;
  std::unique_ptr<DeadLetterWriter> dead_letters;
  IngestPool pool;
  Router router;
  std::optional<HttpServer> http;
  std::optional<LogsHandler> logs;
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  bool started = false;
};

Daemon::Daemon(const config::StitchConfig& config) : impl_(std::make_unique<Impl>(config)) {}

Daemon::~Daemon() = default;

void Daemon::start() {
  Impl& d = *impl_;
  try {
    d.writer.open();
    if (d.dead_letters) {
      d.dead_letters->open();
    }
  } catch (const std::exception& e) {
    throw StartError(e.what());
  }
  d.pool.bind();
  if (d.http) {
    d.http->bind();
  }
  const BoundEndpoints& e = d.pool.endpoints();
  if (e.udp_receive_buffer) {
    const double granted = static_cast<double>(*e.udp_receive_buffer / 2);
    d.registry.gaugeCallback(
        "stitch_udp_receive_buffer_bytes", "The UDP sockets' receive buffer, as granted", {},
        [granted] { return granted; }, &d);
  }
  d.writer.start();
  if (d.dead_letters) {
    d.dead_letters->start();
  }
  d.pool.start();
  if (d.http) {
    d.http->start();
  }
  d.started = true;
  d.ready = true;
  if (e.tcp) {
    spdlog::info("listening tcp {}", *e.tcp);
  }
  if (e.udp) {
    spdlog::info("listening udp {}", *e.udp);
  }
  if (e.unix_stream) {
    spdlog::info("listening unix_stream {}", *e.unix_stream);
  }
  if (e.unix_datagram) {
    spdlog::info("listening unix_datagram {}", *e.unix_datagram);
  }
  if (d.http) {
    spdlog::info("listening api {}", d.http->endpoint());
  }
  spdlog::info("output: {}", d.config.output.type == ingest::OutputType::kStdout
                                 ? std::string("stdout")
                                 : d.config.output.path);
}

std::string Daemon::readyJson() const {
  const Impl& d = *impl_;
  const BoundEndpoints& e = d.pool.endpoints();
  std::string out;
  json::Writer w(out);
  w.beginObject().field("pid", static_cast<std::int64_t>(::getpid()));
  if (e.tcp) {
    w.field("tcp", *e.tcp);
  }
  if (e.udp) {
    w.field("udp", *e.udp);
  }
  if (e.unix_stream) {
    w.field("unix_stream", *e.unix_stream);
  }
  if (e.unix_datagram) {
    w.field("unix_datagram", *e.unix_datagram);
  }
  if (d.http) {
    w.field("api", d.http->endpoint());
  }
  w.endObject();
  out += '\n';
  return out;
}

std::vector<std::string> Daemon::reload(const config::StitchConfig& next) {
  Impl& d = *impl_;
  auto running_settings = makeSettings(d.config);
  auto next_settings = makeSettings(next);
  std::vector<std::string> restart = IngestPool::restartNeeded(*running_settings, *next_settings);
  if (next.api.enabled != d.config.api.enabled) {
    restart.emplace_back("api.enabled");
  }
  if (next.api.listen != d.config.api.listen) {
    restart.emplace_back("api.listen");
  }
  // Listeners keep their running addresses; everything else takes effect now.
  decode::DecodeConfig decode_config = next.decode;
  if (usesDeadLetters(next) != usesDeadLetters(d.config)) {
    // The dead-letter writer exists (or not) from the start: keep the running policy.
    restart.emplace_back("decode.invalid_context");
    decode_config.invalid_context = d.config.decode.invalid_context;
    decode_config.dead_letter_path = d.config.decode.dead_letter_path;
  }
  IngestSettings applied{decode_config, next.ingest};
  applied.ingest.workers = d.config.ingest.workers;
  applied.ingest.tcp = d.config.ingest.tcp;
  applied.ingest.udp = d.config.ingest.udp;
  applied.ingest.unix_stream = d.config.ingest.unix_stream;
  applied.ingest.unix_datagram = d.config.ingest.unix_datagram;
  d.pool.applySettings(std::make_shared<const IngestSettings>(std::move(applied)));

  configureLogging(next.runtime.log);
  d.warnings.setInterval(next.runtime.log.warning_interval);
  d.ingest_metrics.setDropsUntraced(next.decode.invalid_context ==
                                    decode::InvalidContextPolicy::kDrop);
  d.queue.setLimits(next.output.queue_records, next.output.queue_bytes);
  d.writer.reopen(next.output);
  if (d.http) {
    d.http->applyConfig(next.api);
    asio::post(d.http->io(),
               [&d, decode = next.decode, api = next.api] { d.logs->applySettings(decode, api); });
  }

  config::StitchConfig kept = next;
  kept.ingest.workers = d.config.ingest.workers;
  kept.ingest.tcp = d.config.ingest.tcp;
  kept.ingest.udp = d.config.ingest.udp;
  kept.ingest.unix_stream = d.config.ingest.unix_stream;
  kept.ingest.unix_datagram = d.config.ingest.unix_datagram;
  kept.api.enabled = d.config.api.enabled;
  kept.api.listen = d.config.api.listen;
  d.config = std::move(kept);
  return restart;
}

StopResult Daemon::stop() {
  Impl& d = *impl_;
  StopResult result;
  d.ready = false;
  d.stopping = true;
  const auto deadline = std::chrono::steady_clock::now() + d.config.runtime.shutdown_timeout;
  if (d.http) {
    d.http->beginStop();
  }
  // Connections are read until their senders finish, for at most half the timeout: the other
  // half is for writing out what was read.
  d.pool.beginStop(std::chrono::steady_clock::now() + d.config.runtime.shutdown_timeout / 2);
  bool drained = d.pool.waitStopped(deadline);
  std::uint64_t lost = 0;
  if (!drained) {
    lost += d.pool.forceStop();
  }
  if (d.http && !d.http->waitStopped(deadline)) {
    d.http->forceStop();
    drained = false;
  }
  if (!d.writer.finish(deadline)) {
    drained = false;
    lost += d.writer.unwritten();
  }
  if (d.dead_letters && !d.dead_letters->finish(deadline)) {
    drained = false;  // the dead letters left are counted (dropped, dead_letter_error)
  }
  if (lost != 0) {
    d.ingest_metrics.addDropped(DropReason::kShutdown, lost);
  }
  result.drained = drained && lost == 0;
  result.lost = lost;
  result.written = static_cast<std::uint64_t>(d.registry.valueOf("stitch_output_records_total"));
  return result;
}

}  // namespace stitch::daemon
