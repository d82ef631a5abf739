#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "core/common/log_rate_limiter.h"
#include "core/ingest/api_config.h"
#include "core/metrics/metrics.h"
#include "daemon/asio.h"
#include "daemon/http/router.h"
#include "daemon/ingest/ingest_metrics.h"

namespace stitch::daemon {

class HttpSession;

// The API server (Boost.Beast, HTTP/1.1 with keep-alive) on its own thread and io_context.
// Request bodies beyond api.max_body are answered 413 without being read; "Expect:
// 100-continue" is answered before the body is read, so clients do not stall.
// Threading: bind/start/beginStop/waitStopped from the main thread; sessions and handlers run
// on the server's thread.
class HttpServer {
public:
  HttpServer(const ingest::ApiConfig& config,
             Router& router,
             IngestMetrics& metrics,
             LogRateLimiter& warnings);
  ~HttpServer();

  asio::io_context& io() noexcept { return io_; }
  // Opens and binds the listener. Throws StartError.
  void bind();
  std::string endpoint() const { return endpoint_; }
  void start();
  // Stops accepting; open connections finish the request in progress and close. Any thread.
  void beginStop();
  bool waitStopped(std::chrono::steady_clock::time_point deadline);
  void forceStop();
  // New limits for new requests. Any thread.
  void applyConfig(const ingest::ApiConfig& config);

  // Server thread only.
  const ingest::ApiConfig& config() const noexcept { return config_; }
  Router& router() noexcept { return router_; }
  IngestMetrics& metrics() noexcept { return metrics_; }
  LogRateLimiter& warnings() noexcept { return warnings_; }
  bool stopping() const noexcept { return stopping_; }
  void onSessionStart(HttpSession* session) { sessions_.insert(session); }
  void onSessionEnd(HttpSession* session) noexcept { sessions_.erase(session); }
  void countRequest(std::string_view route, unsigned status);

private:
  void acceptLoop();

  ingest::ApiConfig config_;
  Router& router_;
  IngestMetrics& metrics_;
  LogRateLimiter& warnings_;
  std::string endpoint_;
  bool stopping_ = false;
  std::unordered_set<HttpSession*> sessions_;
  std::map<std::pair<std::string, unsigned>, metrics::Counter*> request_counters_;

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_timer_;
  std::promise<void> stopped_;
  std::future<void> stopped_future_;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace stitch::daemon
