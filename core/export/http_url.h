#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace stitch::exporting {

// An exporter endpoint: scheme://host[:port][/path]. Only what an HTTP client needs.
struct HttpUrl {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // a name, an IPv4 address or an IPv6 address (without brackets)
  std::uint16_t port = 0;
  std::string path;  // "" or "/prefix" without a trailing '/'

  // The Host header value: host, bracketed when IPv6, with ":port" unless it is the default.
  std::string hostHeader() const;
  // The request target for `suffix` (e.g. "/v1/traces"): path + suffix, at least "/".
  std::string target(std::string_view suffix) const;
};

// Parses an endpoint URL. Accepts http and https (the caller decides whether it supports TLS),
// a host (IPv6 in brackets), an optional port (default 80 / 443) and an optional path. Rejects
// user info, a query or a fragment, a port outside 1..65535 and anything unparseable, with a
// message saying why.
Result<HttpUrl, std::string> parseHttpUrl(std::string_view url);

}  // namespace stitch::exporting
