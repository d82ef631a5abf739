#include "core/export/http_url.h"

#include <string>

#include <catch2/catch.hpp>

using namespace stitch::exporting;

TEST_CASE("parseHttpUrl reads host, port and path", "[export]") {
  auto url = parseHttpUrl("http://collector:4318");
  REQUIRE(url);
  CHECK(url->host == "collector");
  CHECK(url->port == 4318);
  CHECK(url->path.empty());
  CHECK(url->target("/v1/traces") == "/v1/traces");
  CHECK(url->hostHeader() == "collector:4318");

  url = parseHttpUrl("HTTP://example.com/otlp/");
  REQUIRE(url);
  CHECK(url->scheme == "http");
  CHECK(url->port == 80);
  CHECK(url->target("/v1/logs") == "/otlp/v1/logs");
  CHECK(url->hostHeader() == "example.com");

  url = parseHttpUrl("http://[::1]:9000/x");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == 9000);
  CHECK(url->hostHeader() == "[::1]:9000");

  url = parseHttpUrl("https://api.vendor.io");
  REQUIRE(url);
  CHECK(url->port == 443);
}

TEST_CASE("parseHttpUrl rejects what it cannot use, saying why", "[export]") {
  const auto bad = GENERATE(as<std::string>{}, "collector:4318", "ftp://x", "http://", "http://:80",
                            "http://host:0", "http://host:65536", "http://host:x",
                            "http://user:pw@host", "http://host/?q=1", "http://host/#f",
                            "http://[::1", "http://ho st", "http://host:", "http://host/a b");
  CAPTURE(bad);
  const auto url = parseHttpUrl(bad);
  REQUIRE_FALSE(url);
  CHECK_FALSE(url.error().empty());
}
