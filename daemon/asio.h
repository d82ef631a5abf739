#pragma once

// The one way daemon code includes Asio and Beast. Boost 1.74's Asio under g++ 12 in C++20
// mode uses std::exchange (awaitable.hpp) without including <utility>, so include it first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stitch::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;
}  // namespace stitch::daemon
