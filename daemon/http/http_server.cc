#include "daemon/http/http_server.h"

#include <spdlog/spdlog.h>

#include "core/ingest/listen_address.h"
#include "daemon/ingest/ingest_pool.h"
#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::chrono::seconds kLingerTime{2};

}  // namespace

// One HTTP connection: read a request header, answer 100-continue if asked, read the body,
// dispatch, write the response, repeat while keep-alive.
// Threading: the server's thread only.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
  HttpSession(HttpServer& server, asio::ip::tcp::socket&& socket)
      : server_(server), stream_(std::move(socket)) {
    server_.onSessionStart(this);
    server_.metrics().connectionsActive(Transport::kHttp).add(1);
  }
  ~HttpSession() {
    server_.onSessionEnd(this);
    server_.metrics().connectionsActive(Transport::kHttp).add(-1);
  }

  void start() { readHeader(); }

  // The server stops: an idle connection closes now, a busy one after its response.
  void stop() {
    if (!busy_) {
      beast::error_code ec;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

private:
  void readHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_.config().max_body);
    stream_.expires_after(server_.config().idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) {
      failRead(ec);
      return;
    }
    busy_ = true;
    const auto& header = parser_->get();
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     header.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                          if (e) {
                            self->close();
                            return;
                          }
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                       self->onBody(ec, bytes);
                     });
  }

  void onBody(beast::error_code ec, std::size_t bytes) {
    if (ec) {
      failRead(ec);
      return;
    }
    server_.metrics().addBytes(Transport::kHttp, bytes);
    HttpRequest request = parser_->release();
    const std::string route(server_.router().routeOf(request.target()));
    server_.router().dispatch(
        std::move(request), [self = shared_from_this(), route](HttpResponse&& response) {
          self->server_.countRequest(route, static_cast<unsigned>(response.result_int()));
          self->write(std::move(response));
        });
  }

  // A request that could not be read: answer what can be answered (413, 400), then close.
  void failRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      respondAndClose(http::status::payload_too_large,
                      fmt::format("request body larger than api.max_body ({} bytes)",
                                  server_.config().max_body));
      return;
    }
    if (ec == http::error::header_limit) {
      respondAndClose(http::status::request_header_fields_too_large, "request header too large");
      return;
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      respondAndClose(http::status::bad_request, "malformed HTTP request: " + ec.message());
      return;
    }
    close();  // end of stream, timeout, reset: nothing to answer
  }

  void respondAndClose(http::status status, std::string message) {
    busy_ = true;
    linger_ = true;  // the client may still be sending the body we will not read
    HttpRequest stub;
    stub.version(11);
    stub.keep_alive(false);
    HttpResponse response = makeError(stub, status, message);
    server_.countRequest("other", static_cast<unsigned>(status));
    write(std::move(response));
  }

  void write(HttpResponse&& response) {
    if (server_.stopping()) {
      response.keep_alive(false);
    }
    auto shared = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(server_.config().idle_timeout);
    http::async_write(stream_, *shared,
                      [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
                        self->busy_ = false;
                        if (ec || !shared->keep_alive() || self->server_.stopping()) {
                          if (!ec && self->linger_) {
                            self->lingerClose();
                          } else {
                            self->close();
                          }
                          return;
                        }
                        self->readHeader();
                      });
  }

  // Closing a socket with unread data makes the kernel send a reset, which can destroy the
  // response before the client reads it. So: stop sending, read and discard what the client
  // still sends (for a short while), then close.
  void lingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    discard();
  }

  void discard() {
    stream_.async_read_some(asio::buffer(discard_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                self->stream_.close();
                                return;
                              }
                              self->discard();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false;
  bool linger_ = false;
  std::array<char, 16 * 1024> discard_buffer_;
};

HttpServer::HttpServer(const ingest::ApiConfig& config,
                       Router& router,
                       IngestMetrics& metrics,
                       LogRateLimiter& warnings)
    : config_(config),
      router_(router),
      metrics_(metrics),
      warnings_(warnings),
      acceptor_(io_),
      accept_retry_timer_(io_),
      stopped_future_(stopped_.get_future()) {}

HttpServer::~HttpServer() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
}

void HttpServer::bind() {
  const auto address = ingest::parseListenAddress(config_.listen);
  if (!address) {
    throw StartError("api listener: invalid address " + config_.listen);
  }
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address->host), address->port);
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw StartError(fmt::format("api listener {}: {}", config_.listen, ec.message()));
  }
  ingest::ListenAddress bound = *address;
  bound.port = acceptor_.local_endpoint().port();
  endpoint_ = bound.toString();
}

void HttpServer::start() {
  acceptLoop();
  thread_ = std::thread([this] {
    nameThisThread("stitch-http");
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        spdlog::error("http server: {}", e.what());
      }
    }
    stopped_.set_value();
  });
}

void HttpServer::acceptLoop() {
  acceptor_.async_accept([this](const error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) {
      return;
    }
    if (ec) {
      metrics_.receiveErrors(Transport::kHttp).add();
      if (auto suppressed = warnings_.admit("http_accept_error")) {
        spdlog::warn("api listener: accept failed: {}", ec.message());
      }
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait([this](const error_code& e) {
        if (!e && !stopping_) {
          acceptLoop();
        }
      });
      return;
    }
    if (sessions_.size() >= config_.max_connections) {
      metrics_.connectionsRejectedMax(Transport::kHttp).add();
      if (auto suppressed = warnings_.admit("http_max_connections")) {
        spdlog::warn("api connection refused: api.max_connections ({}) are open",
                     config_.max_connections);
      }
      error_code ignored;
      socket.close(ignored);
    } else {
      metrics_.connectionsAccepted(Transport::kHttp).add();
      std::make_shared<HttpSession>(*this, std::move(socket))->start();
    }
    acceptLoop();
  });
}

void HttpServer::beginStop() {
  if (stop_requested_.exchange(true) || !thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] {
    stopping_ = true;
    error_code ec;
    acceptor_.close(ec);
    accept_retry_timer_.cancel();
    const std::vector<HttpSession*> sessions(sessions_.begin(), sessions_.end());
    for (HttpSession* session : sessions) {
      if (sessions_.count(session) != 0) {
        session->stop();
      }
    }
  });
}

bool HttpServer::waitStopped(std::chrono::steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return true;
  }
  if (stopped_future_.wait_until(deadline) != std::future_status::ready) {
    return false;
  }
  thread_.join();
  return true;
}

void HttpServer::forceStop() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
}

void HttpServer::applyConfig(const ingest::ApiConfig& config) {
  asio::post(io_, [this, config] {
    const std::string listen = config_.listen;
    config_ = config;
    config_.listen = listen;  // the listener is not rebound
  });
}

void HttpServer::countRequest(std::string_view route, unsigned status) {
  const auto key = std::make_pair(std::string(route), status);
  auto it = request_counters_.find(key);
  if (it == request_counters_.end()) {
    metrics::Counter& counter = metrics_.registry().counter(
        "stitch_http_requests_total", "HTTP requests answered, by route and status code",
        {{"route", key.first}, {"code", std::to_string(status)}});
    it = request_counters_.emplace(key, &counter).first;
  }
  it->second->add();
}

}  // namespace stitch::daemon
