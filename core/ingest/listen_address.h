#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/config_problem.h"

namespace stitch::ingest {

// An IP listen address from the config: "127.0.0.1:7410", "0.0.0.0:7410", "[::1]:7410".
// Port 0 asks the kernel for a free port (tests); the bound port is reported after start.
struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 literal, without brackets
  std::uint16_t port = 0;
  bool ipv6 = false;

  // "127.0.0.1:7410" or "[::1]:7410".
  std::string toString() const;
  // True for 127.0.0.0/8 and ::1: reachable from this machine only.
  bool isLoopback() const noexcept;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Parses "IPV4:PORT" or "[IPV6]:PORT". Host names are not accepted: a listener binds an
// address, and resolving names at start-up would make the bound address depend on DNS.
// Returns nullopt (and an explanation in `error` when given) for anything else.
std::optional<ListenAddress> parseListenAddress(std::string_view text,
                                                std::string* error = nullptr);

// Adds a problem at `path` when `value` is not a valid listen address.
void checkListenAddress(std::string_view path, std::string_view value, ConfigProblems& problems);

}  // namespace stitch::ingest
