#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/config_problem.h"
#include "core/ingest/framer.h"

namespace stitch::ingest {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;

// TCP listener: newline-delimited or RFC 6587 octet-counted records.
struct TcpConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:7410";

  friend bool operator==(const TcpConfig&, const TcpConfig&) = default;
};

// UDP listener: a datagram holds one or more newline-delimited records.
struct UdpConfig {
  static constexpr std::uint64_t kDefaultReceiveBuffer = 8 * kMiB;
  bool enabled = true;
  std::string listen = "127.0.0.1:7410";
  // SO_RCVBUF asked for on each worker's socket. net.core.rmem_max caps it unless stitchd runs
  // as root (SO_RCVBUFFORCE); the effective size is logged at start.
  std::uint64_t receive_buffer = kDefaultReceiveBuffer;
  // A longer datagram is truncated by the kernel: it is dropped and counted as oversize.
  std::uint64_t max_datagram = 65535;

  friend bool operator==(const UdpConfig&, const UdpConfig&) = default;
};

// Unix stream socket: framed like TCP. Disabled while `path` is empty.
struct UnixStreamConfig {
  std::string path;
  // Permission bits of the socket file, in octal. Like a loopback port, any local user may
  // connect by default; tighten it (e.g. "0660") to restrict writers to a group.
  std::string mode = "0666";

  friend bool operator==(const UnixStreamConfig&, const UnixStreamConfig&) = default;
};

// Unix datagram socket: like UDP, but the kernel never drops (a full socket blocks the
// sender). Disabled while `path` is empty.
struct UnixDatagramConfig {
  std::string path;
  std::string mode = "0666";
  std::uint64_t receive_buffer = UdpConfig::kDefaultReceiveBuffer;
  std::uint64_t max_datagram = 65535;

  friend bool operator==(const UnixDatagramConfig&, const UnixDatagramConfig&) = default;
};

// The `ingest:` section: listeners, limits and buffers of the ingest workers.
struct IngestConfig {
  // Ingest threads, each with its own event loop; 0 means one per CPU core.
  std::uint32_t workers = 0;
  // Open stream connections (TCP + Unix stream) at most; more are accepted and closed at once,
  // counted as rejected.
  std::uint32_t max_connections = 1024;
  // A stream connection that sends nothing for this long is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  Framing framing = Framing::kAuto;
  // Bytes read from a stream connection at a time (the buffer grows for a longer record).
  std::uint64_t read_buffer = 256 * kKiB;
  // Records per batch handed to the pipeline at most (a batch is also handed on at the end of
  // every read, so a batch never waits for more input).
  std::uint32_t batch_records = 4096;

  TcpConfig tcp;
  UdpConfig udp;
  UnixStreamConfig unix_stream;
  UnixDatagramConfig unix_datagram;

  // Every problem the keys' own ranges do not cover (addresses, paths, permission bits, keys
  // that must differ), paths relative to the section ("tcp.listen").
  ConfigProblems validate() const;
  // Worker threads to start: `workers`, or the CPU count when 0.
  std::uint32_t effectiveWorkers() const noexcept;

  friend bool operator==(const IngestConfig&, const IngestConfig&) = default;
};

// Parses "auto", "newline", "octet_counted".
bool parseFraming(std::string_view text, Framing& out) noexcept;

// Octal permission bits ("0660", "660", "0o660"): nullopt unless they are from 0 to 0777.
std::optional<std::uint32_t> parseFileMode(std::string_view text) noexcept;

}  // namespace stitch::ingest
