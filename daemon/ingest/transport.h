#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stitch::daemon {

// The ways records reach stitchd; the `transport` label of the ingest metrics.
enum class Transport : std::uint8_t { kTcp = 0, kUdp, kUnixStream, kUnixDatagram, kHttp };
inline constexpr std::size_t kTransportCount = 5;

constexpr std::string_view transportName(Transport transport) noexcept {
  switch (transport) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kUnixStream:
      return "unix_stream";
    case Transport::kUnixDatagram:
      return "unix_datagram";
    case Transport::kHttp:
      return "http";
  }
  return "tcp";
}

}  // namespace stitch::daemon
