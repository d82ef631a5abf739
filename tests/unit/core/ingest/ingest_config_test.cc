#include "core/ingest/ingest_config.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "core/ingest/api_config.h"

namespace stitch::ingest {
namespace {

bool hasProblemAt(const ConfigProblems& problems, std::string_view path) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const ConfigProblem& p) { return p.path == path; });
}

}  // namespace

TEST_CASE("the default ingest and api configs are valid and loopback-only", "[ingest]") {
  CHECK(IngestConfig{}.validate().empty());
  CHECK(ApiConfig{}.validate().empty());
  CHECK(IngestConfig{}.tcp.listen == "127.0.0.1:7410");
  CHECK(IngestConfig{}.udp.listen == "127.0.0.1:7410");
  CHECK(ApiConfig{}.listen == "127.0.0.1:7411");
}

TEST_CASE("IngestConfig::validate reports every problem with its path", "[ingest]") {
  IngestConfig config;
  config.tcp.listen = "nowhere";
  config.udp.listen = "127.0.0.1:99999";
  config.unix_stream.path = std::string(200, 'p');
  config.unix_datagram.mode = "1777";
  const auto problems = config.validate();
  CHECK(problems.size() == 4);
  CHECK(hasProblemAt(problems, "tcp.listen"));
  CHECK(hasProblemAt(problems, "udp.listen"));
  CHECK(hasProblemAt(problems, "unix_stream.path"));
  CHECK(hasProblemAt(problems, "unix_datagram.mode"));
}

TEST_CASE("IngestConfig wants different paths for its two Unix sockets", "[ingest]") {
  IngestConfig config;
  config.unix_stream.path = "/run/stitch/logs.sock";
  config.unix_datagram.path = "/run/stitch/logs.sock";
  CHECK(hasProblemAt(config.validate(), "unix_datagram.path"));
}

TEST_CASE("parseFileMode reads octal permission bits", "[ingest]") {
  CHECK(parseFileMode("0660") == std::optional<std::uint32_t>(0660));
  CHECK(parseFileMode("666") == std::optional<std::uint32_t>(0666));
  CHECK(parseFileMode("0o600") == std::optional<std::uint32_t>(0600));
  const auto bad = GENERATE(as<std::string>{}, "", "0888", "1777", "07777", "rw-rw----", "-1");
  CAPTURE(bad);
  CHECK_FALSE(parseFileMode(bad));
}

TEST_CASE("a disabled listener's address is not checked", "[ingest]") {
  IngestConfig config;
  config.tcp.enabled = false;
  config.tcp.listen = "nowhere";
  CHECK(config.validate().empty());
}

TEST_CASE("framing names parse back to their values", "[ingest]") {
  for (Framing f : {Framing::kAuto, Framing::kNewline, Framing::kOctetCounted}) {
    Framing parsed = Framing::kAuto;
    CHECK(parseFraming(framingName(f), parsed));
    CHECK(parsed == f);
  }
  Framing unused;
  CHECK_FALSE(parseFraming("lines", unused));
}

}  // namespace stitch::ingest
