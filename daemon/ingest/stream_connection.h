#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/decode/decode_output.h"
#include "core/ingest/framer.h"
#include "daemon/asio.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/read_buffer.h"
#include "daemon/ingest/worker.h"

namespace stitch::daemon {

// One accepted TCP or Unix stream connection. Reads big chunks without blocking (wait for
// readability, then read until the socket is empty), frames them (newline or octet-counted),
// decodes the complete records on this thread and hands each read's records on at once.
// When the pipeline is full it keeps its decoded records and stops reading until they are
// taken: the socket's receive buffer fills and TCP's window closes on the sender, so nothing
// is dropped. On stop it keeps reading until the peer closes the connection or sends nothing
// for a short quiet period (no later than the read deadline of the stop), hands what it read on
// and closes: a sender that wrote its records and closed loses nothing.
// Threading: the accepting worker's thread only.
template <class Protocol>
class StreamConnection final : public Channel,
                               public std::enable_shared_from_this<StreamConnection<Protocol>> {
public:
  using Socket = typename Protocol::socket;

  StreamConnection(IngestWorker& worker, Socket&& socket, Transport transport);
  ~StreamConnection() override;

  void start() override;
  void beginStop(std::chrono::steady_clock::time_point read_deadline) override;
  std::size_t heldRecords() const noexcept override {
    return out_.traced.size() + out_.untraced.size();
  }

private:
  struct FrameHandler;

  void waitReadable();
  void readLoop();
  void processBuffer();
  void endOfStream();
  bool handOn();
  void pauseForBackpressure();
  void resume();
  void armIdleTimer(std::chrono::steady_clock::duration after);
  void onIdleTimer();
  void close();

  IngestWorker& worker_;
  Socket socket_;
  const Transport transport_;
  asio::steady_timer idle_timer_;
  asio::steady_timer retry_timer_;
  ingest::StreamFramer framer_;
  ReadBuffer buffer_;
  decode::DecodeOutput out_;
  FrameStats frames_;
  std::chrono::steady_clock::time_point last_read_;
  std::chrono::milliseconds retry_delay_{1};
  std::chrono::steady_clock::time_point read_deadline_;  // after a stop
  bool waiting_ = false;                                 // an async_wait for readability is pending
  bool blocked_ = false;  // holding records the pipeline had no room for
  bool stopping_ = false;
  bool eof_ = false;
  bool closed_ = false;
};

extern template class StreamConnection<asio::ip::tcp>;
extern template class StreamConnection<asio::local::stream_protocol>;

}  // namespace stitch::daemon
