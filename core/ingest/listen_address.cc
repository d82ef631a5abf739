#include "core/ingest/listen_address.h"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace stitch::ingest {
namespace {

bool fail(std::string* error, std::string message) {
  if (error != nullptr) {
    *error = std::move(message);
  }
  return false;
}

}  // namespace

std::string ListenAddress::toString() const {
  std::string out;
  if (ipv6) {
    out.reserve(host.size() + 8);
    out += '[';
    out += host;
    out += ']';
  } else {
    out = host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

bool ListenAddress::isLoopback() const noexcept {
  if (ipv6) {
    in6_addr addr{};
    return inet_pton(AF_INET6, host.c_str(), &addr) == 1 && IN6_IS_ADDR_LOOPBACK(&addr);
  }
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string* error) {
  const auto usage = [&](std::string_view what) {
    fail(error,
         std::string(what) + ": expected IP:PORT, e.g. 127.0.0.1:7410, 0.0.0.0:7410 or [::1]:7410");
    return std::nullopt;
  };
  ListenAddress address;
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return usage("malformed [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    address.ipv6 = true;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return usage("no port");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return usage("an IPv6 address needs brackets");
    }
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return usage("the port is not a number from 0 to 65535");
  }
  address.port = static_cast<std::uint16_t>(value);
  address.host = std::string(host);
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(address.ipv6 ? AF_INET6 : AF_INET, address.host.c_str(), buffer) != 1) {
    return usage("'" + address.host + "' is not an IP address");
  }
  return address;
}

void checkListenAddress(std::string_view path, std::string_view value, ConfigProblems& problems) {
  std::string error;
  if (!parseListenAddress(value, &error)) {
    problems.push_back({std::string(path), error});
  }
}

}  // namespace stitch::ingest
