#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/common/config_problem.h"

namespace stitch::ingest {

// The `api:` section: the HTTP server (POST /v1/logs, /healthz, /readyz, /metrics; the query
// API joins it later).
struct ApiConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:7411";
  // A longer request body is answered 413 without being read.
  std::uint64_t max_body = 16 * 1024 * 1024;
  // How long POST /v1/logs waits for room in a full pipeline before answering 503.
  std::chrono::milliseconds push_timeout{std::chrono::seconds(2)};
  std::uint32_t max_connections = 256;
  // A keep-alive connection idle (or a request not complete) for this long is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};

  // The listen address (the keys' ranges are the schema's).
  ConfigProblems validate() const;

  friend bool operator==(const ApiConfig&, const ApiConfig&) = default;
};

}  // namespace stitch::ingest
