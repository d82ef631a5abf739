#pragma once

// A local HTTP/1.1 server for exporter tests: listens on 127.0.0.1 port 0, records every
// request, and answers what the test's handler says (a status, a body, headers; or closing the
// connection; or no answer at all). Runs its own io_context thread.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/asio.h"

namespace stitch::testing {

namespace test_http = boost::beast::http;

class TestHttpServer {
public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;                            // as received (still gzipped if it was)
    int connection = 0;                          // which connection carried it (1, 2, ...)
  };
  struct Reply {
    unsigned status = 200;
    std::string body = "{}";
    std::vector<std::pair<std::string, std::string>> headers;
    bool close = false;        // close the connection after answering (without saying so)
    bool no_response = false;  // read the request, never answer
  };
  // Called on the server thread with the request and its index (0-based).
  using Handler = std::function<Reply(const Request&, std::size_t index)>;

  explicit TestHttpServer(Handler handler)
      : handler_(std::move(handler)), acceptor_(ioc_, Endpoint(Address::loopback(), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~TestHttpServer() {
    boost::asio::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      ioc_.stop();
    });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
  }
  bool waitForRequests(std::size_t n, std::chrono::seconds patience = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return requests_.size() >= n; });
  }

private:
  using Tcp = boost::asio::ip::tcp;
  using Endpoint = Tcp::endpoint;
  using Address = boost::asio::ip::address_v4;

  struct Session : std::enable_shared_from_this<Session> {
    Session(TestHttpServer& server, Tcp::socket socket, int id)
        : server(server), socket(std::move(socket)), id(id) {}

    void read() {
      parser.emplace();
      parser->body_limit(64U << 20);
      test_http::async_read(socket, buffer, *parser,
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (!ec) {
                                self->handle();
                              }
                            });
    }

    void handle() {
      const auto& message = parser->get();
      Request request;
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      for (const auto& field : message) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        request.headers[name] = std::string(field.value());
      }
      request.body = message.body();
      request.connection = id;
      std::size_t index = 0;
      {
        std::lock_guard lock(server.mutex_);
        index = server.requests_.size();
        server.requests_.push_back(request);
      }
      const Reply reply = server.handler_(request, index);
      server.changed_.notify_all();
      if (reply.no_response) {
        read();  // keep the connection open, say nothing
        return;
      }
      response.emplace(static_cast<test_http::status>(reply.status), 11);
      response->set(test_http::field::content_type, "application/json");
      for (const auto& [name, value] : reply.headers) {
        response->set(name, value);
      }
      response->body() = reply.body;
      response->keep_alive(!reply.close);
      if (reply.close) {
        response->keep_alive(true);  // closes anyway: the race a client must survive
      }
      response->prepare_payload();
      test_http::async_write(socket, *response,
                             [self = shared_from_this(), close = reply.close](
                                 boost::system::error_code ec, std::size_t) {
                               if (ec || close) {
                                 boost::system::error_code ignored;
                                 self->socket.shutdown(Tcp::socket::shutdown_both, ignored);
                                 self->socket.close(ignored);
                                 return;
                               }
                               self->read();
                             });
    }

    TestHttpServer& server;
    Tcp::socket socket;
    int id;
    boost::beast::flat_buffer buffer;
    std::optional<test_http::request_parser<test_http::string_body>> parser;
    std::optional<test_http::response<test_http::string_body>> response;
  };

  void accept() {
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept([this](boost::system::error_code ec, Tcp::socket socket) {
      if (ec) {
        return;
      }
      int id = 0;
      {
        std::lock_guard lock(mutex_);
        id = ++connections_;
      }
      std::make_shared<Session>(*this, std::move(socket), id)->read();
      accept();
    });
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  Tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Request> requests_;
  int connections_ = 0;
};

}  // namespace stitch::testing
