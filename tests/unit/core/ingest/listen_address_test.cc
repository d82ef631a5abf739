#include "core/ingest/listen_address.h"

#include <catch2/catch.hpp>

namespace stitch::ingest {

TEST_CASE("parseListenAddress reads IPv4 and bracketed IPv6 addresses", "[ingest]") {
  auto v4 = parseListenAddress("127.0.0.1:7410");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 7410);
  CHECK_FALSE(v4->ipv6);
  CHECK(v4->isLoopback());
  CHECK(v4->toString() == "127.0.0.1:7410");

  auto any = parseListenAddress("0.0.0.0:0");
  REQUIRE(any);
  CHECK(any->port == 0);
  CHECK_FALSE(any->isLoopback());

  auto v6 = parseListenAddress("[::1]:7411");
  REQUIRE(v6);
  CHECK(v6->ipv6);
  CHECK(v6->host == "::1");
  CHECK(v6->isLoopback());
  CHECK(v6->toString() == "[::1]:7411");
}

TEST_CASE("parseListenAddress rejects what is not IP:PORT and says why", "[ingest]") {
  const auto text =
      GENERATE(as<std::string>{}, "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80x",
               "localhost:7410", "::1:7410", "[::1]7410", "[::1", "300.0.0.1:7410", ":7410");
  CAPTURE(text);
  std::string error;
  CHECK_FALSE(parseListenAddress(text, &error));
  CHECK_FALSE(error.empty());
}

}  // namespace stitch::ingest
