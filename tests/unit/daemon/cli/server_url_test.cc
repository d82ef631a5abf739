#include <string>

#include <catch2/catch.hpp>

#include "daemon/cli/http_client.h"

namespace stitch::daemon::cli {
namespace {

TEST_CASE("CLI server URL: http, with the scheme optional", "[cli]") {
  auto plain = ServerUrl::parse("127.0.0.1:7411");
  REQUIRE(plain);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 7411);
  CHECK(plain->base_path.empty());
  CHECK(plain->text() == "http://127.0.0.1:7411");

  auto prefixed = ServerUrl::parse("http://proxy.local/stitch/");
  REQUIRE(prefixed);
  CHECK(prefixed->host == "proxy.local");
  CHECK(prefixed->port == 80);
  CHECK(prefixed->base_path == "/stitch");

  auto v6 = ServerUrl::parse("http://[::1]:9000");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->text() == "http://[::1]:9000");
}

TEST_CASE("CLI server URL: says why it refuses one", "[cli]") {
  auto https = ServerUrl::parse("https://stitch:7411");
  REQUIRE_FALSE(https);
  CHECK(https.error().find("https is not supported") != std::string::npos);

  for (const char* bad : {"ftp://x", "http://a:0", "http://a:70000", "http://a b:1", "http://:80",
                          "http://user@a:1", "http://a:1/?q=1", "http://[::1"}) {
    INFO(bad);
    auto result = ServerUrl::parse(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().starts_with(bad));  // the URL, then the reason
  }
}

}  // namespace
}  // namespace stitch::daemon::cli
