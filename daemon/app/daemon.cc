#include "daemon/app/daemon.h"

#include <atomic>
#include <optional>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/assembly/tree.h"
#include "core/common/clock.h"
#include "core/common/json_writer.h"
#include "core/common/log_rate_limiter.h"
#include "core/metrics/metrics.h"
#include "core/pipeline/record_attributes.h"
#include "core/query/query_api.h"
#include "core/query/trace_queries.h"
#include "core/sampling/adaptive.h"
#include "core/store/reader_pool.h"
#include "core/store/trace_cache.h"
#include "core/store/trace_store.h"
#include "daemon/export/export_fanout.h"
#include "daemon/http/http_server.h"
#include "daemon/http/logs_handler.h"
#include "daemon/http/router.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/ingest_pool.h"
#include "daemon/ingest/worker.h"
#include "daemon/logging.h"
#include "daemon/output/dead_letter_writer.h"
#include "daemon/pipeline/pipeline.h"
#include "daemon/process_metrics.h"
#include "daemon/store/store_writer.h"
#include "daemon/thread_name.h"
#include "daemon/version.h"

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

pipeline::ShardConfig shardConfig(const config::StitchConfig& config) {
  return pipeline::ShardConfig{config.assembly, config.sampling};
}

}  // namespace

struct Daemon::Impl {
  explicit Impl(const config::StitchConfig& c)
      : config(c), warnings(clock, config.runtime.log.warning_interval), ingest_metrics(registry) {
    registerBuiltinExporters(exporter_registry);
    ingest_metrics.setDropsUntraced(config.decode.invalid_context ==
                                    decode::InvalidContextPolicy::kDrop);
  }

  ~Impl() { registry.removeCallbacks(this); }

  // Everything that can fail to open (files, the store, listeners) is opened here, in the order
  // records flow backwards: the outputs exist before anything can send to them.
  void build() {
    if (!config.exporting.exporters.empty()) {
      fanout = std::make_unique<ExportFanout>(
          config.exporting.exporters, exporter_registry,
          ExporterContext{registry, clock, 0, config.runtime.log.warning_interval});
    }
    if (config.store.enabled) {
      auto opened = store::TraceStore::open(config.store);
      if (!opened) {
        throw StartError("cannot open the store " + config.store.path + ": " +
                         opened.error().message);
      }
      if (config.store.cache_bytes != 0) {
        cache = std::make_unique<store::TraceCache>(config.store.cache_bytes);
      }
      store_writer = std::make_unique<StoreWriter>(config.store, std::move(opened).value(),
                                                   cache.get(), registry, clock);
      readers = std::make_unique<store::ReaderPool>(config.store.path);
    }
    output = std::make_unique<TraceOutput>(fanout.get(), store_writer.get(), registry);
    pipeline = std::make_unique<Pipeline>(config.pipeline, shardConfig(config), *output,
                                          &attributes, registry, clock);
    if (usesDeadLetters(config)) {
      dead_letters = std::make_unique<DeadLetterWriter>(
          config.decode.dead_letter_path, kDeadLetterQueueBytes, ingest_metrics, warnings);
      dead_letters->open();
    }
    pool = std::make_unique<IngestPool>(makeSettings(config), *pipeline, dead_letters.get(),
                                        ingest_metrics, warnings, clock);

    query::QuerySources sources;
    sources.pending = pipeline.get();
    sources.decisions = pipeline.get();
    sources.cache = cache.get();
    sources.store = readers.get();
    sources.build_tree = [](const record::RecordBatch& records) {
      return assembly::buildTree(records);
    };
    queries = std::make_unique<query::TraceQueries>(std::move(sources));
    query_api = std::make_unique<query::QueryApi>(*queries, config.query, clock);

    if (config.api.enabled) {
      http.emplace(config.api, router, ingest_metrics, warnings);
      logs.emplace(http->io(), *pipeline, dead_letters.get(), ingest_metrics, clock, config.decode,
                   config.api);
    }
    registerRoutes();
    registerGauges();
  }

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
    router.add(http::verb::get, "/api/v1/sampling", [this](HttpRequest&& request, Respond respond) {
      const auto snapshot = pipeline->adaptiveSnapshot();
      respond(makeResponse(request, http::status::ok, "application/json",
                           sampling::adaptiveSnapshotJson(*snapshot) + "\n"));
    });
    if (logs) {
      router.add(http::verb::post, "/v1/logs", [this](HttpRequest&& request, Respond respond) {
        logs->handle(std::move(request), std::move(respond));
      });
    }
    // The query API may read the store and wait for a shard thread: it runs on the query
    // thread, and its answer is written back on the HTTP thread.
    for (std::string_view prefix : query::QueryApi::routes()) {
      router.add(http::verb::get, std::string(prefix),
                 [this](HttpRequest&& request, Respond respond) {
                   auto shared = std::make_shared<HttpRequest>(std::move(request));
                   asio::post(query_threads, [this, shared, respond = std::move(respond)] {
                     const query::HttpResponse r =
                         query_api->handle({"GET", std::string_view(shared->target())});
                     HttpResponse response = makeResponse(
                         *shared, static_cast<http::status>(r.status), r.content_type, r.body);
                     if (!r.allow.empty()) {
                       response.set(http::field::allow, r.allow);
                     }
                     asio::post(http->io(), [respond, response = std::move(response)]() mutable {
                       respond(std::move(response));
                     });
                   });
                 });
    }
  }

  void registerGauges() {
    registerProcessMetrics(registry);
    registry.gaugeCallback("stitch_build_info", "Always 1; the version of this stitchd",
                           {{"version", std::string(kVersion)}}, [] { return 1.0; });
    registry.gaugeCallback(
        "stitch_ready", "1 while stitchd accepts records, 0 while starting or stopping", {},
        [this] { return ready.load() ? 1.0 : 0.0; }, this);
  }

  config::StitchConfig config;
  SystemClock clock;
  metrics::Registry registry;
  LogRateLimiter warnings;
  IngestMetrics ingest_metrics;
  ExporterRegistry exporter_registry;
  pipeline::RecordAttributes attributes;

  // Built by start(), in this order; destroyed in reverse.
  std::unique_ptr<ExportFanout> fanout;
  std::unique_ptr<store::TraceCache> cache;
  std::unique_ptr<StoreWriter> store_writer;
  std::unique_ptr<store::ReaderPool> readers;
  std::unique_ptr<TraceOutput> output;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<DeadLetterWriter> dead_letters;
  std::unique_ptr<IngestPool> pool;
  std::unique_ptr<query::TraceQueries> queries;
  std::unique_ptr<query::QueryApi> query_api;
  asio::thread_pool query_threads{1};
  Router router;
  std::optional<HttpServer> http;
  std::optional<LogsHandler> logs;

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  bool started = false;
};

Daemon::Daemon(const config::StitchConfig& config) : impl_(std::make_unique<Impl>(config)) {
  asio::post(impl_->query_threads, [] { nameThisThread("stitch-query"); });
}

Daemon::~Daemon() {
  Impl& d = *impl_;
  d.query_threads.join();
}

void Daemon::start() {
  Impl& d = *impl_;
  try {
    d.build();
  } catch (const StartError&) {
    throw;
  } catch (const std::exception& e) {
    throw StartError(e.what());
  }
  d.pool->bind();
  if (d.http) {
    d.http->bind();
  }
  const BoundEndpoints& e = d.pool->endpoints();
  if (e.udp_receive_buffer) {
    const double granted = static_cast<double>(*e.udp_receive_buffer / 2);
    d.registry.gaugeCallback(
        "stitch_udp_receive_buffer_bytes", "The UDP sockets' receive buffer, as granted", {},
        [granted] { return granted; }, &d);
  }
  if (d.fanout) {
    d.fanout->start();
  }
  if (d.store_writer) {
    d.store_writer->start();
  }
  d.pipeline->start();
  if (d.dead_letters) {
    d.dead_letters->start();
  }
  d.pool->start();
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
  if (!d.fanout) {
    spdlog::warn(
        "no exporters: untraced logs are not written anywhere (counted in "
        "stitch_pipeline_unexported_records_total); kept traces are only in the store");
  }
  spdlog::info("{} shard(s), {} exporter(s), store {}", d.pipeline->shardCount(),
               d.fanout ? d.fanout->size() : 0,
               d.store_writer ? d.config.store.path : std::string("disabled"));
}

std::string Daemon::readyJson() const {
  const Impl& d = *impl_;
  const BoundEndpoints& e = d.pool->endpoints();
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
  // The shards, exporters and store are built once: their sections take effect on restart.
  // (Their buffers hold traces mid-decision; rebuilding them would lose or double-decide.)
  const auto note = [&](bool changed, const char* key) {
    if (changed) {
      restart.emplace_back(key);
    }
  };
  note(!(next.pipeline == d.config.pipeline), "pipeline");
  note(!(next.assembly == d.config.assembly), "assembly");
  note(!(next.sampling == d.config.sampling), "sampling");
  note(!(next.exporting == d.config.exporting), "exporters");
  note(!(next.store == d.config.store), "store");
  note(!(next.query == d.config.query), "query");

  // Listeners keep their running addresses; everything else of ingest takes effect now.
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
  d.pool->applySettings(std::make_shared<const IngestSettings>(std::move(applied)));

  configureLogging(next.runtime.log);
  d.warnings.setInterval(next.runtime.log.warning_interval);
  d.ingest_metrics.setDropsUntraced(next.decode.invalid_context ==
                                    decode::InvalidContextPolicy::kDrop);
  if (d.fanout) {
    d.fanout->requestReopen();  // logrotate moved the files away: write to new ones
  }
  if (d.http) {
    d.http->applyConfig(next.api);
    asio::post(d.http->io(),
               [&d, decode = next.decode, api = next.api] { d.logs->applySettings(decode, api); });
  }

  // What now runs: the new config, but with what needs a restart as it was.
  config::StitchConfig kept = next;
  kept.ingest.workers = d.config.ingest.workers;
  kept.ingest.tcp = d.config.ingest.tcp;
  kept.ingest.udp = d.config.ingest.udp;
  kept.ingest.unix_stream = d.config.ingest.unix_stream;
  kept.ingest.unix_datagram = d.config.ingest.unix_datagram;
  kept.api.enabled = d.config.api.enabled;
  kept.api.listen = d.config.api.listen;
  kept.pipeline = d.config.pipeline;
  kept.assembly = d.config.assembly;
  kept.sampling = d.config.sampling;
  kept.exporting = d.config.exporting;
  kept.store = d.config.store;
  kept.query = d.config.query;
  kept.decode.invalid_context = decode_config.invalid_context;
  kept.decode.dead_letter_path = decode_config.dead_letter_path;
  d.config = std::move(kept);
  return restart;
}

std::uint64_t Daemon::recordsInFlight() const noexcept {
  const Impl& d = *impl_;
  std::uint64_t total = d.pipeline ? d.pipeline->queuedRecords() + d.pipeline->recordsHeld() : 0;
  const double exporting = d.registry.sumOf("stitch_exporter_received_records_total") -
                           d.registry.sumOf("stitch_exporter_sent_records_total") -
                           d.registry.sumOf("stitch_exporter_dropped_total");
  if (exporting > 0) {
    total += static_cast<std::uint64_t>(exporting);
  }
  return total;
}

StopResult Daemon::stop() {
  Impl& d = *impl_;
  StopResult result;
  if (!d.started) {
    result.drained = true;
    return result;
  }
  d.ready = false;
  d.stopping = true;
  const auto now = std::chrono::steady_clock::now();
  const auto timeout = d.config.runtime.shutdown_timeout;
  const auto deadline = now + timeout;
  if (d.http) {
    d.http->beginStop();
  }
  // Connections are read until their senders finish, for at most a third of the timeout; the
  // rest is for deciding the pending traces and writing them out.
  d.pool->beginStop(now + timeout / 3);
  bool drained = d.pool->waitStopped(now + timeout / 2);
  std::uint64_t lost = 0;
  if (!drained) {
    lost += d.pool->forceStop();
  }
  if (d.http && !d.http->waitStopped(now + timeout / 2)) {
    d.http->forceStop();
    drained = false;
  }
  // Every shard takes what is queued and decides what it holds: kept traces go out now.
  if (!d.pipeline->stop(now + timeout * 3 / 4)) {
    drained = false;
    lost += d.pipeline->queuedRecords();
  }
  if (d.fanout) {
    for (const auto& [name, report] : d.fanout->stop(deadline)) {
      if (!report.drained()) {
        spdlog::error("exporter {}: {} record(s) not delivered", name, report.undelivered_records);
        lost += report.undelivered_records;
      }
    }
  }
  if (d.store_writer) {
    d.store_writer->stop();
  }
  if (d.dead_letters && !d.dead_letters->finish(deadline)) {
    drained = false;  // the dead letters left are counted (dropped, dead_letter_error)
  }
  d.query_threads.join();
  if (lost != 0) {
    d.ingest_metrics.addDropped(DropReason::kShutdown, lost);
  }
  result.drained = drained && lost == 0;
  result.lost = lost;
  return result;
}

}  // namespace stitch::daemon
