#include "core/export/http_url.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace stitch::exporting {
namespace {

bool isHostChar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string HttpUrl::hostHeader() const {
  std::string out;
  out.reserve(host.size() + 8);
  const bool ipv6 = host.find(':') != std::string::npos;
  // (append, not operator+: g++ 12 reports a false -Wrestrict on "[" + host + "]")
  out.append(ipv6 ? "[" : "").append(host).append(ipv6 ? "]" : "");
  const std::uint16_t default_port = scheme == "https" ? 443 : 80;
  if (port != default_port) {
    out += fmt::format(":{}", port);
  }
  return out;
}

std::string HttpUrl::target(std::string_view suffix) const {
  std::string out = path;
  if (!suffix.empty() && suffix.front() != '/') {
    out += '/';
  }
  out += suffix;
  if (out.empty()) {
    out.push_back('/');
  }
  return out;
}

Result<HttpUrl, std::string> parseHttpUrl(std::string_view url) {
  HttpUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Unexpected(std::string("must start with http://"));
  }
  out.scheme = std::string(url.substr(0, scheme_end));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https") {
    return Unexpected(fmt::format("unsupported scheme \"{}\" (use http://)", out.scheme));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Unexpected(std::string("must not contain a query or a fragment"));
  }
  const std::size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return Unexpected(std::string("must not contain user info (use headers for credentials)"));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Unexpected(std::string("unterminated IPv6 address"));
    }
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Unexpected(std::string("unexpected characters after the IPv6 address"));
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return Unexpected(std::string("empty port"));
      }
    }
    const bool ipv6_chars =
        !out.host.empty() && std::all_of(out.host.begin(), out.host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        });
    if (!ipv6_chars) {
      return Unexpected(std::string("invalid IPv6 address"));
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
      if (port_text.empty()) {
        return Unexpected(std::string("empty port"));
      }
    }
    if (authority.empty()) {
      return Unexpected(std::string("missing host"));
    }
    if (!std::all_of(authority.begin(), authority.end(), isHostChar)) {
      return Unexpected(fmt::format("invalid host \"{}\"", authority));
    }
    out.host = std::string(authority);
  }
  if (out.host.empty()) {
    return Unexpected(std::string("missing host"));
  }
  if (port_text.empty()) {
    out.port = out.scheme == "https" ? 443 : 80;
  } else {
    std::uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        return Unexpected(fmt::format("invalid port \"{}\"", port_text));
      }
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) {
      return Unexpected(fmt::format("port {} is outside 1..65535", port_text));
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Unexpected(std::string("the path must be URL-encoded (no spaces or control bytes)"));
    }
  }
  out.path = std::string(path);
  return out;
}

}  // namespace stitch::exporting
