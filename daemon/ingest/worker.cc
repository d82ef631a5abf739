#include "daemon/ingest/worker.h"

#include <fmt/format.h>

#include "daemon/ingest/datagram_receiver.h"
#include "daemon/ingest/stream_connection.h"
#include "daemon/output/dead_letter_writer.h"
#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

// After an accept error (EMFILE, ENFILE, ENOBUFS) wait before trying again, so a process out of
// descriptors does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

IngestWorker::IngestWorker(std::size_t index, WorkerShared& shared, IngestSettingsPtr settings)
    : index_(index),
      shared_(shared),
      settings_(std::move(settings)),
      decoder_(std::make_unique<decode::Decoder>(settings_->decode)),
      accept_retry_timer_(io_),
      stopped_future_(stopped_.get_future()) {}

IngestWorker::~IngestWorker() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
}

void IngestWorker::addTcpAcceptor(asio::ip::tcp::acceptor&& acceptor) {
  tcp_acceptors_.push_back(std::make_unique<asio::ip::tcp::acceptor>(std::move(acceptor)));
}

void IngestWorker::addUnixStreamAcceptor(asio::local::stream_protocol::acceptor&& acceptor) {
  unix_acceptors_.push_back(
      std::make_unique<asio::local::stream_protocol::acceptor>(std::move(acceptor)));
}

void IngestWorker::addUdpSocket(asio::ip::udp::socket&& socket,
                                std::uint64_t receive_buffer_bytes) {
  receivers_.push_back(std::make_shared<DatagramReceiver>(*this, socket.release(), Transport::kUdp,
                                                          settings_->ingest.udp.max_datagram,
                                                          receive_buffer_bytes));
}

void IngestWorker::addUnixDatagramSocket(asio::local::datagram_protocol::socket&& socket,
                                         std::uint64_t receive_buffer_bytes) {
  receivers_.push_back(std::make_shared<DatagramReceiver>(
      *this, socket.release(), Transport::kUnixDatagram,
      settings_->ingest.unix_datagram.max_datagram, receive_buffer_bytes));
}

void IngestWorker::start() {
  for (auto& acceptor : tcp_acceptors_) {
    acceptLoop(*acceptor, Transport::kTcp);
  }
  for (auto& acceptor : unix_acceptors_) {
    acceptLoop(*acceptor, Transport::kUnixStream);
  }
  asio::post(io_, [this] {
    for (auto& receiver : receivers_) {
      receiver->start();
    }
    receivers_.clear();  // their pending operations own them from now on
  });
  thread_ = std::thread([this] {
    nameThisThread(fmt::format("stitch-ingest-{}", index_));
    run();
  });
}

void IngestWorker::run() {
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      // A handler threw (out of memory, a bug): log it and keep serving the other connections.
      spdlog::error("ingest worker {}: {}", index_, e.what());
    }
  }
  stopped_.set_value();
}

void IngestWorker::beginStop(std::chrono::steady_clock::time_point read_deadline) {
  if (stop_requested_.exchange(true)) {
    return;
  }
  if (!thread_.joinable()) {
    return;
  }
  asio::post(io_, [this, read_deadline] { doStop(read_deadline); });
}

void IngestWorker::doStop(std::chrono::steady_clock::time_point read_deadline) {
  stopping_ = true;
  error_code ec;
  for (auto& acceptor : tcp_acceptors_) {
    acceptor->close(ec);
  }
  for (auto& acceptor : unix_acceptors_) {
    acceptor->close(ec);
  }
  accept_retry_timer_.cancel();
  // beginStop may close a channel, which unregisters it: iterate over a copy.
  const std::vector<Channel*> channels(channels_.begin(), channels_.end());
  for (Channel* channel : channels) {
    if (channels_.count(channel) != 0) {
      channel->beginStop(read_deadline);
    }
  }
}

bool IngestWorker::waitStopped(std::chrono::steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return true;
  }
  if (stopped_future_.wait_until(deadline) != std::future_status::ready) {
    return false;
  }
  thread_.join();
  return true;
}

std::uint64_t IngestWorker::forceStop() {
  if (thread_.joinable()) {
    io_.stop();
    thread_.join();
  }
  std::uint64_t held = 0;
  for (const Channel* channel : channels_) {
    held += channel->heldRecords();
  }
  return held;
}

void IngestWorker::flushDecodeStats(Transport transport,
                                    decode::DecodeOutput& out,
                                    FrameStats& frames) {
  shared_.metrics.addDecode(transport, out.stats, frames);
  out.stats = decode::DecodeStats{};
  frames = FrameStats{};
  if (!out.dead_letters.empty()) {
    if (shared_.dead_letters != nullptr) {
      shared_.dead_letters->push(std::move(out.dead_letters), transport);
    }
    out.dead_letters.clear();
  }
}

void IngestWorker::applySettings(IngestSettingsPtr settings) {
  asio::post(io_, [this, settings = std::move(settings)]() mutable {
    settings_ = std::move(settings);
    // A new decoder for new batches (reloads are rare); records already decoded stay as they are.
    decoder_ = std::make_unique<decode::Decoder>(settings_->decode);
  });
}

template <class Acceptor>
void IngestWorker::acceptLoop(Acceptor& acceptor, Transport transport) {
  acceptor.async_accept([this, &acceptor, transport](
                            const error_code& ec, typename Acceptor::protocol_type::socket socket) {
    if (stopping_ || !acceptor.is_open() || ec == asio::error::operation_aborted) {
      return;
    }
    if (ec) {
      shared_.metrics.receiveErrors(transport).add();
      warn("accept_error", "{} listener: accept failed: {}", transportName(transport),
           ec.message());
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait([this, &acceptor, transport](const error_code& e) {
        if (!e && !stopping_) {
          acceptLoop(acceptor, transport);
        }
      });
      return;
    }
    onAccepted(std::move(socket), transport);
    acceptLoop(acceptor, transport);
  });
}

template <class Socket>
void IngestWorker::onAccepted(Socket&& socket, Transport transport) {
  const std::uint32_t limit = settings_->ingest.max_connections;
  const std::uint32_t open = shared_.stream_connections.fetch_add(1, std::memory_order_relaxed);
  if (open >= limit) {
    shared_.stream_connections.fetch_sub(1, std::memory_order_relaxed);
    shared_.metrics.connectionsRejectedMax(transport).add();
    warn("max_connections", "{} connection refused: max_connections ({}) are open",
         transportName(transport), limit);
    error_code ec;
    socket.close(ec);
    return;
  }
  shared_.metrics.connectionsAccepted(transport).add();
  using Protocol = typename std::decay_t<Socket>::protocol_type;
  auto connection =
      std::make_shared<StreamConnection<Protocol>>(*this, std::move(socket), transport);
  connection->start();
}

}  // namespace stitch::daemon
