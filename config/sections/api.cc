// `api:`: the HTTP server (POST /v1/logs, health, metrics).
#include <chrono>

#include "config/sections/sections.h"
#include "core/ingest/api_config.h"

namespace stitch::config {

using ingest::ApiConfig;
using namespace std::chrono_literals;

void describe(Schema<ApiConfig>& s) {
  s.field("enabled", &ApiConfig::enabled, "Whether stitchd serves its HTTP API.");
  s.field("listen", &ApiConfig::listen,
          "IP:PORT of the HTTP API: POST /v1/logs, GET /healthz, /readyz, /metrics.")
      .nonEmpty();
  s.size("max_body", &ApiConfig::max_body,
         "Largest request body (after decompression); a larger one is answered 413.")
      .min(1024)
      .max(std::uint64_t{1} << 32);
  s.field("push_timeout", &ApiConfig::push_timeout,
          "How long POST /v1/logs waits for room when the pipeline is full before it answers "
          "503 with Retry-After (nothing of that request is kept, so a retry duplicates "
          "nothing).");
  s.field("max_connections", &ApiConfig::max_connections,
          "Open HTTP connections at most; more are closed at once.")
      .min(1);
  s.field("idle_timeout", &ApiConfig::idle_timeout,
          "A keep-alive connection with no request for this long is closed.")
      .min(1ms);
}

void describeApiSection(Schema<StitchConfig>& s) {
  s.field("api", &StitchConfig::api, "stitchd's HTTP API.");
}

}  // namespace stitch::config
