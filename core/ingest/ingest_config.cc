#include "core/ingest/ingest_config.h"

#include <thread>

#include "core/ingest/listen_address.h"

namespace stitch::ingest {
namespace {

void checkUnixPath(std::string_view path, const std::string& value, ConfigProblems& problems) {
  // sockaddr_un::sun_path holds 108 bytes including the terminating NUL.
  if (value.size() > 107) {
    problems.push_back(
        {std::string(path), "longer than 107 bytes, the limit of a Unix socket path"});
  }
}

void checkMode(std::string_view path, std::uint32_t mode, ConfigProblems& problems) {
  if (mode > 0777) {
    problems.push_back({std::string(path), "must be permission bits from 0 to 0777"});
  }
}

void checkDatagram(std::string_view prefix,
                   std::uint64_t receive_buffer,
                   std::uint64_t max_datagram,
                   ConfigProblems& problems) {
  if (receive_buffer < 4096 || receive_buffer > (std::uint64_t{1} << 30)) {
    problems.push_back({std::string(prefix) + ".receive_buffer", "must be from 4KiB to 1GiB"});
  }
  if (max_datagram < 512 || max_datagram > 65535) {
    problems.push_back({std::string(prefix) + ".max_datagram", "must be from 512 to 65535"});
  }
}

}  // namespace

bool parseFraming(std::string_view text, Framing& out) noexcept {
  for (Framing f : {Framing::kAuto, Framing::kNewline, Framing::kOctetCounted}) {
    if (text == framingName(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

ConfigProblems IngestConfig::validate() const {
  ConfigProblems problems;
  if (workers > 256) {
    problems.push_back({"workers", "must be from 0 (one per core) to 256"});
  }
  if (max_connections == 0) {
    problems.push_back({"max_connections", "must be positive"});
  }
  if (idle_timeout.count() <= 0) {
    problems.push_back({"idle_timeout", "must be positive"});
  }
  if (read_buffer < 4 * kKiB || read_buffer > 64 * kMiB) {
    problems.push_back({"read_buffer", "must be from 4KiB to 64MiB"});
  }
  if (batch_records == 0 || batch_records > 1'000'000) {
    problems.push_back({"batch_records", "must be from 1 to 1000000"});
  }
  if (tcp.enabled) {
    checkListenAddress("tcp.listen", tcp.listen, problems);
  }
  if (udp.enabled) {
    checkListenAddress("udp.listen", udp.listen, problems);
    checkDatagram("udp", udp.receive_buffer, udp.max_datagram, problems);
  }
  checkUnixPath("unix_stream.path", unix_stream.path, problems);
  checkMode("unix_stream.mode", unix_stream.mode, problems);
  checkUnixPath("unix_datagram.path", unix_datagram.path, problems);
  checkMode("unix_datagram.mode", unix_datagram.mode, problems);
  if (!unix_datagram.path.empty()) {
    checkDatagram("unix_datagram", unix_datagram.receive_buffer, unix_datagram.max_datagram,
                  problems);
  }
  if (!unix_stream.path.empty() && unix_stream.path == unix_datagram.path) {
    problems.push_back({"unix_datagram.path", "must differ from unix_stream.path"});
  }
  return problems;
}

std::uint32_t IngestConfig::effectiveWorkers() const noexcept {
  if (workers != 0) {
    return workers;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

}  // namespace stitch::ingest
