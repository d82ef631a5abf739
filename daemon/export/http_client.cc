#include "daemon/export/http_client.h"

#include <optional>

#include "daemon/asio.h"
#include "daemon/version.h"

namespace stitch::daemon {
namespace {

using tcp = asio::ip::tcp;
using Request = http::request<http::span_body<const char>>;

const std::string kUserAgent = "stitch/" + std::string(kVersion);

}  // namespace

struct HttpClient::Impl {
  explicit Impl(exporting::HttpUrl endpoint) : url(std::move(endpoint)) {}

  exporting::HttpUrl url;
  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::uint64_t connections = 0;

  void disconnect() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
      stream.reset();
    }
    buffer.clear();
    connected = false;
  }

  struct Outcome {
    beast::error_code ec;
    const char* stage = "";
    bool response_started = false;
    std::optional<Response> response;
  };

  Outcome attempt(Request& request, SteadyTime deadline) {
    Outcome outcome;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    asio::steady_timer resolve_timer(ioc);
    ioc.restart();

    const auto fail = [&](beast::error_code ec, const char* stage) {
      outcome.ec = ec;
      outcome.stage = stage;
    };
    const auto on_read = [&](beast::error_code ec, std::size_t) {
      outcome.response_started = parser.is_header_done();
      if (ec) {
        fail(ec, "receive");
        return;
      }
      const auto& message = parser.get();
      Response response;
      response.status = message.result_int();
      response.content_type = std::string(message[http::field::content_type]);
      response.retry_after = std::string(message[http::field::retry_after]);
      response.body = std::move(parser.get().body());
      if (!message.keep_alive()) {
        connected = false;  // the server closes: disconnect below
      }
      outcome.response = std::move(response);
    };
    const auto on_write = [&](beast::error_code ec, std::size_t) {
      if (ec) {
        fail(ec, "send");
        return;
      }
      stream->expires_at(deadline);
      http::async_read(*stream, buffer, parser, on_read);
    };
    const auto write = [&] {
      stream->expires_at(deadline);
      http::async_write(*stream, request, on_write);
    };

    if (connected) {
      write();
    } else {
      stream.emplace(ioc);
      buffer.clear();
      resolve_timer.expires_at(deadline);
      resolve_timer.async_wait([&](beast::error_code ec) {
        if (!ec) {
          resolver.cancel();
        }
      });
      resolver.async_resolve(
          url.host, std::to_string(url.port),
          [&](beast::error_code ec, const tcp::resolver::results_type& results) {
            resolve_timer.cancel();
            if (ec) {
              fail(std::chrono::steady_clock::now() >= deadline ? beast::error::timeout : ec,
                   "resolve");
              return;
            }
            stream->expires_at(deadline);
            stream->async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
              if (ec2) {
                fail(ec2, "connect");
                return;
              }
              beast::error_code ignored;
              stream->socket().set_option(tcp::no_delay(true), ignored);
              connected = true;
              ++connections;
              write();
            });
          });
    }
    ioc.run();
    if (outcome.ec || !outcome.response || !connected) {
      disconnect();
    }
    return outcome;
  }
};

HttpClient::HttpClient(exporting::HttpUrl url) : impl_(std::make_unique<Impl>(std::move(url))) {}

HttpClient::~HttpClient() {
  close();
}

void HttpClient::close() {
  impl_->disconnect();
}

std::uint64_t HttpClient::connectionsOpened() const noexcept {
  return impl_->connections;
}

const exporting::HttpUrl& HttpClient::url() const noexcept {
  return impl_->url;
}

Result<HttpClient::Response, HttpClient::Error> HttpClient::post(std::string_view target,
                                                                 std::string_view body,
                                                                 const Headers& headers,
                                                                 SteadyTime deadline) {
  Request request{http::verb::post, std::string(target), 11};
  request.set(http::field::host, impl_->url.hostHeader());
  request.set(http::field::user_agent, kUserAgent);
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.body() = boost::beast::span<const char>(body.data(), body.size());
  request.keep_alive(true);
  request.prepare_payload();

  const bool reused = impl_->connected;
  Impl::Outcome outcome = impl_->attempt(request, deadline);
  const bool closed_by_server =
      outcome.ec == http::error::end_of_stream || outcome.ec == asio::error::eof ||
      outcome.ec == asio::error::connection_reset || outcome.ec == asio::error::broken_pipe;
  if (reused && !outcome.response && !outcome.response_started && closed_by_server &&
      std::chrono::steady_clock::now() < deadline) {
    outcome = impl_->attempt(request, deadline);
  }
  if (outcome.response) {
    return std::move(*outcome.response);
  }
  Error error;
  const std::string stage = outcome.stage;
  if (outcome.ec == beast::error::timeout || std::chrono::steady_clock::now() >= deadline) {
    error.reason = "timeout";
  } else if (stage == "resolve" || stage == "connect") {
    error.reason = stage;
  } else if (outcome.ec == http::error::body_limit) {
    error.reason = "bad_response";
  } else {
    error.reason = "connection";
  }
  error.message = stage + " " + impl_->url.hostHeader() + ": " + outcome.ec.message();
  return Unexpected(std::move(error));
}

}  // namespace stitch::daemon
