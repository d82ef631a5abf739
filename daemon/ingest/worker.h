#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/common/clock.h"
#include "core/common/log_rate_limiter.h"
#include "core/decode/decode_config.h"
#include "core/decode/decoder.h"
#include "core/ingest/ingest_config.h"
#include "core/ingest/record_sink.h"
#include "daemon/asio.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/transport.h"

namespace stitch::daemon {

// What a reload may change while connections stay open. Immutable; workers swap the pointer.
struct IngestSettings {
  decode::DecodeConfig decode;
  ingest::IngestConfig ingest;
};
using IngestSettingsPtr = std::shared_ptr<const IngestSettings>;

class DeadLetterWriter;

// What every worker shares. Outlives the workers.
struct WorkerShared {
  ingest::RecordSink& sink;
  DeadLetterWriter* dead_letters;  // null unless decode.invalid_context is dead_letter
  IngestMetrics& metrics;
  LogRateLimiter& warnings;
  const Clock& clock;
  // Open stream connections (TCP + Unix stream) across workers, against max_connections.
  std::atomic<std::uint32_t> stream_connections{0};
};

// A connection or datagram socket served by a worker. Registered with the worker while alive,
// so that a stop can drain it and a forced stop can count what it still held.
// Threading: the owning worker's thread only.
class Channel {
public:
  virtual ~Channel() = default;
  // Starts waiting for data. Called once, on the worker's thread.
  virtual void start() = 0;
  // Reads what the peer still sends (until it closes, goes quiet, or `read_deadline`), hands
  // it on, then closes. Called once, on stop.
  virtual void beginStop(std::chrono::steady_clock::time_point read_deadline) = 0;
  // Decoded records not yet handed on (waiting for room in the pipeline).
  virtual std::size_t heldRecords() const noexcept = 0;
};

// One ingest thread with its own io_context. Connections stay on the worker that accepted them
// (TCP and UDP sockets are per worker with SO_REUSEPORT; Unix sockets are shared, each worker
// waiting on its own descriptor of them). Records are decoded here and handed on in batches.
// Threading: the public methods are for the main thread; everything else runs on the worker's
// thread (its io_context).
class IngestWorker {
public:
  IngestWorker(std::size_t index, WorkerShared& shared, IngestSettingsPtr settings);
  ~IngestWorker();
  IngestWorker(const IngestWorker&) = delete;
  IngestWorker& operator=(const IngestWorker&) = delete;

  asio::io_context& io() noexcept { return io_; }
  std::size_t index() const noexcept { return index_; }

  // Before start(): sockets opened and bound by the main thread on this worker's io_context.
  void addTcpAcceptor(asio::ip::tcp::acceptor&& acceptor);
  void addUnixStreamAcceptor(asio::local::stream_protocol::acceptor&& acceptor);
  void addUdpSocket(asio::ip::udp::socket&& socket, std::uint64_t receive_buffer_bytes);
  void addUnixDatagramSocket(asio::local::datagram_protocol::socket&& socket,
                             std::uint64_t receive_buffer_bytes);

  // Starts the thread (signals stay blocked in it: the main thread blocked them first).
  void start();
  // Stops accepting and drains every connection and socket, reading no later than
  // `read_deadline`; the thread ends when all are done. Any thread; must be safe to call twice
  // and without start().
  void beginStop(std::chrono::steady_clock::time_point read_deadline);
  // Waits for the thread to finish draining, until `deadline`. True when it did.
  bool waitStopped(std::chrono::steady_clock::time_point deadline);
  // Stops the loop where it is and joins; returns the records still held (they are lost).
  std::uint64_t forceStop();
  // Swaps the settings for new batches and connections (a reload). Any thread.
  void applySettings(IngestSettingsPtr settings);

  // Worker thread only.
  const IngestSettings& settings() const noexcept { return *settings_; }
  decode::Decoder& decoder() noexcept { return *decoder_; }
  WorkerShared& shared() noexcept { return shared_; }
  bool stopping() const noexcept { return stopping_; }
  // Adds a batch's decode counts to the metrics and hands its dead letters on; resets both.
  void flushDecodeStats(Transport transport, decode::DecodeOutput& out, FrameStats& frames);
  void registerChannel(Channel* channel) { channels_.insert(channel); }
  void unregisterChannel(Channel* channel) noexcept { channels_.erase(channel); }
  // A rate-limited warning (one per key per warning_interval).
  template <class... Args>
  void warn(std::string_view key, fmt::format_string<Args...> format, Args&&... args);

private:
  template <class Acceptor>
  void acceptLoop(Acceptor& acceptor, Transport transport);
  template <class Socket>
  void onAccepted(Socket&& socket, Transport transport);
  void doStop(std::chrono::steady_clock::time_point read_deadline);
  void run();

  const std::size_t index_;
  WorkerShared& shared_;
  IngestSettingsPtr settings_;
  std::unique_ptr<decode::Decoder> decoder_;
  std::unordered_set<Channel*> channels_;
  bool stopping_ = false;

  // Declared after what the connections use: destroying the io_context destroys the
  // connections its pending handlers own, and they unregister themselves.
  asio::io_context io_;
  asio::steady_timer accept_retry_timer_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tcp_acceptors_;
  std::vector<std::unique_ptr<asio::local::stream_protocol::acceptor>> unix_acceptors_;
  std::vector<std::shared_ptr<Channel>> receivers_;  // datagram sockets, until they start
  std::promise<void> stopped_;
  std::future<void> stopped_future_;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
};

template <class... Args>
void IngestWorker::warn(std::string_view key, fmt::format_string<Args...> format, Args&&... args) {
  if (const auto suppressed = shared_.warnings.admit(key)) {
    const std::string message = fmt::format(format, std::forward<Args>(args)...);
    if (*suppressed == 0) {
      spdlog::warn("{}", message);
    } else {
      spdlog::warn("{} (and {} more like it since the last report)", message, *suppressed);
    }
  }
}

}  // namespace stitch::daemon
