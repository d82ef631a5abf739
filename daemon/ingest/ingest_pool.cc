#include "daemon/ingest/ingest_pool.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <climits>
#include <spdlog/spdlog.h>

#include "core/ingest/ingest_config.h"
#include "core/ingest/listen_address.h"
#include "daemon/ingest/worker.h"

namespace stitch::daemon {
namespace {

// Sets SO_RCVBUF, falling back to SO_RCVBUFFORCE (root / CAP_NET_ADMIN) when net.core.rmem_max
// caps it. Returns the size the kernel reports (Linux doubles the value asked for, to account
// for its bookkeeping, and reports the doubled figure).
std::uint64_t setReceiveBuffer(int fd, std::uint64_t requested) {
  const int value = static_cast<int>(std::min<std::uint64_t>(requested, INT_MAX / 2));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof(value));
  int granted = 0;
  socklen_t length = sizeof(granted);
  ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
  if (granted / 2 < value &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof(value)) == 0) {
    length = sizeof(granted);
    ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length);
  }
  return static_cast<std::uint64_t>(granted);
}

void logReceiveBuffer(std::string_view what, std::uint64_t requested, std::uint64_t granted) {
  if (granted / 2 < requested) {
    spdlog::warn(
        "{} receive buffer: asked for {} bytes, the kernel grants {} (net.core.rmem_max caps it; "
        "raise it with sysctl or run stitchd with CAP_NET_ADMIN); bursts beyond it are dropped "
        "by the kernel and counted in stitch_udp_kernel_drops_total",
        what, requested, granted / 2);
  } else {
    spdlog::info("{} receive buffer: {} bytes", what, granted / 2);
  }
}

void setReusePort(int fd, std::string_view what) {
  const int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
    throw StartError(fmt::format("{}: SO_REUSEPORT: {}", what, std::strerror(errno)));
  }
}

// A socket file left by a process that is gone is removed; a live one (something accepts or
// receives on it) or a file that is not a socket is an error.
void prepareUnixPath(const std::string& path, int type, std::string_view what) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return;
    }
    throw StartError(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw StartError(fmt::format("{} {}: exists and is not a socket", what, path));
  }
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw StartError(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int connect_errno = errno;
  ::close(fd);
  if (rc == 0) {
    throw StartError(fmt::format("{} {}: another process is listening on it", what, path));
  }
  if (connect_errno != ECONNREFUSED) {
    throw StartError(fmt::format("{} {}: exists and cannot be checked: {}", what, path,
                                 std::strerror(connect_errno)));
  }
  if (::unlink(path.c_str()) != 0) {
    throw StartError(
        fmt::format("{} {}: cannot remove the stale socket: {}", what, path, std::strerror(errno)));
  }
  spdlog::info("{}: removed the stale socket {}", what, path);
}

void setMode(const std::string& path, const std::string& mode_text, std::string_view what) {
  const auto mode = ingest::parseFileMode(mode_text);  // validated with the config
  if (!mode || ::chmod(path.c_str(), static_cast<mode_t>(*mode)) != 0) {
    throw StartError(fmt::format("{} {}: chmod: {}", what, path, std::strerror(errno)));
  }
}

template <class Endpoint>
Endpoint ipEndpoint(const std::string& listen) {
  const auto address = ingest::parseListenAddress(listen);
  if (!address) {
    throw StartError("invalid listen address " + listen);
  }
  return Endpoint(asio::ip::make_address(address->host), address->port);
}

std::string endpointText(const asio::ip::address& address, std::uint16_t port) {
  ingest::ListenAddress a;
  a.host = address.to_string();
  a.ipv6 = address.is_v6();
  a.port = port;
  return a.toString();
}

}  // namespace

IngestPool::IngestPool(std::shared_ptr<const IngestSettings> settings,
                       ingest::RecordSink& sink,
                       DeadLetterWriter* dead_letters,
                       IngestMetrics& metrics,
                       LogRateLimiter& warnings,
                       const Clock& clock)
    : settings_(std::move(settings)),
      shared_(new WorkerShared{sink, dead_letters, metrics, warnings, clock, {}}) {
  const std::uint32_t count = settings_->ingest.effectiveWorkers();
  for (std::uint32_t i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<IngestWorker>(i, *shared_, settings_));
  }
}

IngestPool::~IngestPool() {
  workers_.clear();  // joins (forcibly if still running) before the sockets' files go
  for (const auto& path : unix_paths_) {
    ::unlink(path.c_str());
  }
}

void IngestPool::bind() {
  const ingest::IngestConfig& config = settings_->ingest;
  const bool many = workers_.size() > 1;
  if (config.tcp.enabled) {
    auto endpoint = ipEndpoint<asio::ip::tcp::endpoint>(config.tcp.listen);
    const std::string what = "tcp listener " + config.tcp.listen;
    for (auto& worker : workers_) {
      asio::ip::tcp::acceptor acceptor(worker->io());
      error_code ec;
      acceptor.open(endpoint.protocol(), ec);
      if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
      }
      if (!ec && many) {
        setReusePort(acceptor.native_handle(), what);
      }
      if (!ec) {
        acceptor.bind(endpoint, ec);
      }
      if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
      }
      if (ec) {
        throw StartError(fmt::format("{}: {}", what, ec.message()));
      }
      endpoint.port(acceptor.local_endpoint().port());  // port 0: the others join this one
      worker->addTcpAcceptor(std::move(acceptor));
    }
    endpoints_.tcp = endpointText(endpoint.address(), endpoint.port());
  }
  if (config.udp.enabled) {
    auto endpoint = ipEndpoint<asio::ip::udp::endpoint>(config.udp.listen);
    const std::string what = "udp listener " + config.udp.listen;
    for (auto& worker : workers_) {
      asio::ip::udp::socket socket(worker->io());
      error_code ec;
      socket.open(endpoint.protocol(), ec);
      if (!ec) {
        socket.set_option(asio::socket_base::reuse_address(true), ec);
      }
      if (!ec && many) {
        setReusePort(socket.native_handle(), what);
      }
      if (!ec) {
        endpoints_.udp_receive_buffer =
            setReceiveBuffer(socket.native_handle(), config.udp.receive_buffer);
        socket.bind(endpoint, ec);
      }
      if (ec) {
        throw StartError(fmt::format("{}: {}", what, ec.message()));
      }
      endpoint.port(socket.local_endpoint().port());
      worker->addUdpSocket(std::move(socket), *endpoints_.udp_receive_buffer / 2);
    }
    endpoints_.udp = endpointText(endpoint.address(), endpoint.port());
    logReceiveBuffer("udp", config.udp.receive_buffer, *endpoints_.udp_receive_buffer);
  }
  if (!config.unix_stream.path.empty()) {
    const std::string& path = config.unix_stream.path;
    const std::string what = "unix stream listener";
    prepareUnixPath(path, SOCK_STREAM, what);
    asio::local::stream_protocol::acceptor first(workers_.front()->io());
    error_code ec;
    first.open(asio::local::stream_protocol(), ec);
    if (!ec) {
      first.bind(asio::local::stream_protocol::endpoint(path), ec);
    }
    if (ec) {
      throw StartError(fmt::format("{} {}: {}", what, path, ec.message()));
    }
    unix_paths_.push_back(path);
    first.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw StartError(fmt::format("{} {}: {}", what, path, ec.message()));
    }
    setMode(path, config.unix_stream.mode, what);
    // Every worker waits on its own descriptor of the one listening socket: the kernel gives
    // each new connection to one of them.
    for (std::size_t i = 1; i < workers_.size(); ++i) {
      const int fd = ::fcntl(first.native_handle(), F_DUPFD_CLOEXEC, 0);
      if (fd < 0) {
        throw StartError(fmt::format("{} {}: dup: {}", what, path, std::strerror(errno)));
      }
      asio::local::stream_protocol::acceptor acceptor(workers_[i]->io());
      acceptor.assign(asio::local::stream_protocol(), fd, ec);
      if (ec) {
        ::close(fd);
        throw StartError(fmt::format("{} {}: {}", what, path, ec.message()));
      }
      workers_[i]->addUnixStreamAcceptor(std::move(acceptor));
    }
    workers_.front()->addUnixStreamAcceptor(std::move(first));
    endpoints_.unix_stream = path;
  }
  if (!config.unix_datagram.path.empty()) {
    // One worker receives: datagrams need no spreading (the kernel makes senders wait rather
    // than drop), and one receiver avoids waking every worker for each datagram.
    const std::string& path = config.unix_datagram.path;
    const std::string what = "unix datagram listener";
    prepareUnixPath(path, SOCK_DGRAM, what);
    asio::local::datagram_protocol::socket socket(workers_.front()->io());
    error_code ec;
    socket.open(asio::local::datagram_protocol(), ec);
    std::uint64_t granted = 0;
    if (!ec) {
      granted = setReceiveBuffer(socket.native_handle(), config.unix_datagram.receive_buffer);
      socket.bind(asio::local::datagram_protocol::endpoint(path), ec);
    }
    if (ec) {
      throw StartError(fmt::format("{} {}: {}", what, path, ec.message()));
    }
    unix_paths_.push_back(path);
    setMode(path, config.unix_datagram.mode, what);
    workers_.front()->addUnixDatagramSocket(std::move(socket), granted / 2);
    endpoints_.unix_datagram = path;
  }
}

void IngestPool::start() {
  for (auto& worker : workers_) {
    worker->start();
  }
  started_ = true;
}

void IngestPool::beginStop(std::chrono::steady_clock::time_point read_deadline) {
  for (auto& worker : workers_) {
    worker->beginStop(read_deadline);
  }
}

bool IngestPool::waitStopped(std::chrono::steady_clock::time_point deadline) {
  bool all = true;
  for (auto& worker : workers_) {
    all = worker->waitStopped(deadline) && all;
  }
  return all;
}

std::uint64_t IngestPool::forceStop() {
  std::uint64_t held = 0;
  for (auto& worker : workers_) {
    held += worker->forceStop();
  }
  return held;
}

void IngestPool::applySettings(std::shared_ptr<const IngestSettings> settings) {
  settings_ = settings;
  for (auto& worker : workers_) {
    worker->applySettings(settings);
  }
}

std::vector<std::string> IngestPool::restartNeeded(const IngestSettings& running,
                                                   const IngestSettings& next) {
  const ingest::IngestConfig& a = running.ingest;
  const ingest::IngestConfig& b = next.ingest;
  std::vector<std::string> keys;
  const auto check = [&](bool same, const char* key) {
    if (!same) {
      keys.emplace_back(key);
    }
  };
  check(a.workers == b.workers, "ingest.workers");
  check(a.tcp.enabled == b.tcp.enabled, "ingest.tcp.enabled");
  check(a.tcp.listen == b.tcp.listen, "ingest.tcp.listen");
  check(a.udp.enabled == b.udp.enabled, "ingest.udp.enabled");
  check(a.udp.listen == b.udp.listen, "ingest.udp.listen");
  check(a.udp.receive_buffer == b.udp.receive_buffer, "ingest.udp.receive_buffer");
  check(a.udp.max_datagram == b.udp.max_datagram, "ingest.udp.max_datagram");
  check(a.unix_stream.path == b.unix_stream.path, "ingest.unix_stream.path");
  check(a.unix_stream.mode == b.unix_stream.mode, "ingest.unix_stream.mode");
  check(a.unix_datagram.path == b.unix_datagram.path, "ingest.unix_datagram.path");
  check(a.unix_datagram.mode == b.unix_datagram.mode, "ingest.unix_datagram.mode");
  check(a.unix_datagram.receive_buffer == b.unix_datagram.receive_buffer,
        "ingest.unix_datagram.receive_buffer");
  check(a.unix_datagram.max_datagram == b.unix_datagram.max_datagram,
        "ingest.unix_datagram.max_datagram");
  return keys;
}

}  // namespace stitch::daemon
