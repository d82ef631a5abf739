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

void checkMode(std::string_view path, const std::string& mode, ConfigProblems& problems) {
  if (!parseFileMode(mode)) {
    problems.push_back(
        {std::string(path), "must be octal permission bits from 0000 to 0777, e.g. \"0660\""});
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

std::optional<std::uint32_t> parseFileMode(std::string_view text) noexcept {
  if (text.substr(0, 2) == "0o") {
    text.remove_prefix(2);
  }
  if (text.empty() || text.size() > 4) {
    return std::nullopt;
  }
  std::uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') {
      return std::nullopt;
    }
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  if (mode > 0777) {
    return std::nullopt;
  }
  return mode;
}

ConfigProblems IngestConfig::validate() const {
  ConfigProblems problems;
  if (tcp.enabled) {
    checkListenAddress("tcp.listen", tcp.listen, problems);
  }
  if (udp.enabled) {
    checkListenAddress("udp.listen", udp.listen, problems);
  }
  checkUnixPath("unix_stream.path", unix_stream.path, problems);
  checkMode("unix_stream.mode", unix_stream.mode, problems);
  checkUnixPath("unix_datagram.path", unix_datagram.path, problems);
  checkMode("unix_datagram.mode", unix_datagram.mode, problems);
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
