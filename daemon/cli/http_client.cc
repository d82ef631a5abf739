#include "daemon/cli/http_client.h"

#include <charconv>

#include "daemon/asio.h"

namespace stitch::daemon::cli {

Result<ServerUrl, std::string> ServerUrl::parse(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    return Unexpected(std::string("https is not supported; use http://host:port"));
  }
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return Unexpected("not an http URL: " + std::string(url));
  }
  ServerUrl server;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    server.base_path = std::string(rest.substr(slash));
    while (!server.base_path.empty() && server.base_path.back() == '/') {
      server.base_path.pop_back();
    }
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {  // [::1]:7411
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Unexpected("malformed IPv6 address in " + std::string(url));
    }
    server.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return Unexpected("malformed server address " + std::string(url));
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    server.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (server.host.empty()) {
    return Unexpected("no host in " + std::string(url));
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return Unexpected("bad port in " + std::string(url));
    }
    server.port = static_cast<std::uint16_t>(port);
  }
  return server;
}

std::string ServerUrl::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + base_path;
}

Result<HttpResult, std::string> httpGet(const ServerUrl& server,
                                        std::string_view target,
                                        std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(server.host, std::to_string(server.port), ec);
  if (ec) {
    return Unexpected("cannot resolve " + server.host + ": " + ec.message());
  }
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) {
    return Unexpected("cannot connect to " + server.text() + ": " + ec.message());
  }
  http::request<http::empty_body> request{http::verb::get, server.base_path + std::string(target),
                                          11};
  request.set(http::field::host, server.host + ":" + std::to_string(server.port));
  request.set(http::field::user_agent, "stitch-cli");
  request.set(http::field::accept, "application/json");
  http::write(stream, request, ec);
  if (ec) {
    return Unexpected("cannot send to " + server.text() + ": " + ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ULL << 30);  // a large trace is still a trace
  http::read(stream, buffer, parser, ec);
  if (ec) {
    return Unexpected("no answer from " + server.text() + ": " + ec.message());
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  HttpResult result;
  result.status = parser.get().result_int();
  result.body = std::move(parser.get().body());
  return result;
}

}  // namespace stitch::daemon::cli
