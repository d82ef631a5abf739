#include "daemon/cli/http_client.h"

#include "core/export/http_url.h"
#include "daemon/asio.h"
#include "daemon/version.h"

namespace stitch::daemon::cli {

Result<ServerUrl, std::string> ServerUrl::parse(std::string_view url) {
  // The exporters' URL parser (its rules and messages), with "http://" implied when absent.
  const bool has_scheme = url.find("://") != std::string_view::npos;
  auto parsed =
      exporting::parseHttpUrl(has_scheme ? std::string(url) : "http://" + std::string(url));
  if (!parsed) {
    return Unexpected(std::string(url) + ": " + parsed.error());
  }
  if (parsed->scheme != "http") {
    return Unexpected(std::string("https is not supported; use http://host:port"));
  }
  ServerUrl server;
  server.host = std::move(parsed->host);
  server.port = parsed->port;
  server.base_path = std::move(parsed->path);
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
  request.set(http::field::user_agent, "stitch-cli/" + std::string(kVersion));
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
