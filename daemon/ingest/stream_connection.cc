#include "daemon/ingest/stream_connection.h"

#include <algorithm>

namespace stitch::daemon {
namespace {

// Reads per turn before yielding to the worker's other connections.
constexpr int kReadsPerTurn = 8;
// Smallest read worth making: below it the buffer is grown (or compacted) first.
constexpr std::size_t kMinRead = 16 * 1024;
constexpr std::chrono::milliseconds kMaxRetryDelay{16};
// On stop, a connection that sent nothing for this long is taken to be done.
constexpr std::chrono::milliseconds kDrainQuiet{200};

}  // namespace

template <class Protocol>
struct StreamConnection<Protocol>::FrameHandler {
  StreamConnection& c;
  TimestampNs received_ns;

  void onLines(std::string_view run) { c.worker_.decoder().decodeLines(run, received_ns, c.out_); }
  void onFrame(std::string_view frame) {
    c.worker_.decoder().decodeFrame(frame, received_ns, c.out_);
  }
  void onOversize() { ++c.frames_.oversize; }
  void onInvalidFrame() { ++c.frames_.invalid_frames; }
};

template <class Protocol>
StreamConnection<Protocol>::StreamConnection(IngestWorker& worker,
                                             Socket&& socket,
                                             Transport transport)
    : worker_(worker),
      socket_(std::move(socket)),
      transport_(transport),
      idle_timer_(worker.io()),
      retry_timer_(worker.io()),
      framer_(worker.settings().ingest.framing, worker.settings().decode.max_record_bytes),
      buffer_(worker.settings().ingest.read_buffer) {
  worker_.registerChannel(this);
  worker_.shared().metrics.connectionsActive(transport_).add(1);
}

template <class Protocol>
StreamConnection<Protocol>::~StreamConnection() {
  worker_.unregisterChannel(this);
  worker_.shared().metrics.connectionsActive(transport_).add(-1);
  worker_.shared().stream_connections.fetch_sub(1, std::memory_order_relaxed);
}

template <class Protocol>
void StreamConnection<Protocol>::start() {
  error_code ec;
  socket_.non_blocking(true, ec);
  last_read_ = std::chrono::steady_clock::now();
  armIdleTimer(worker_.settings().ingest.idle_timeout);
  readLoop();  // data may already be there (the sender wrote before we accepted)
}

template <class Protocol>
void StreamConnection<Protocol>::beginStop(std::chrono::steady_clock::time_point read_deadline) {
  if (stopping_ || closed_) {
    return;
  }
  stopping_ = true;
  read_deadline_ = read_deadline;
  // The idle timer becomes the quiet-period check; reading goes on as before.
  armIdleTimer(kDrainQuiet);
}

template <class Protocol>
void StreamConnection<Protocol>::waitReadable() {
  waiting_ = true;
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = this->shared_from_this()](const error_code& ec) {
                       self->waiting_ = false;
                       if (self->closed_ || self->eof_) {
                         return;  // closed, or the idle timer ended the stream
                       }
                       if (ec && !self->stopping_) {
                         self->endOfStream();
                         return;
                       }
                       self->readLoop();  // readable, or a stop cancelled the wait: drain
                     });
}

template <class Protocol>
void StreamConnection<Protocol>::readLoop() {
  for (int round = 0; round < kReadsPerTurn; ++round) {
    if (worker_.settings().decode.max_record_bytes != framer_.maxRecordBytes()) {
      framer_.setMaxRecordBytes(worker_.settings().decode.max_record_bytes);
    }
    buffer_.reserve(kMinRead);
    error_code ec;
    const std::size_t n =
        socket_.read_some(asio::buffer(buffer_.writePtr(), buffer_.writable()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      if (buffer_.size() == 0) {
        buffer_.release();  // idle between bursts: give the memory back
      }
      waitReadable();
      return;
    }
    if (ec) {
      if (ec != asio::error::eof) {
        worker_.shared().metrics.receiveErrors(transport_).add();
        worker_.warn("stream_read_error", "{} connection: read failed: {}",
                     transportName(transport_), ec.message());
      }
      endOfStream();
      return;
    }
    buffer_.commit(n);
    worker_.shared().metrics.addBytes(transport_, n);
    last_read_ = std::chrono::steady_clock::now();
    processBuffer();
    if (!handOn()) {
      pauseForBackpressure();
      return;
    }
  }
  asio::post(worker_.io(), [self = this->shared_from_this()] {
    if (!self->closed_) {
      self->readLoop();
    }
  });
}

template <class Protocol>
void StreamConnection<Protocol>::processBuffer() {
  FrameHandler handler{*this, worker_.shared().clock.now()};
  const std::size_t consumed = framer_.frame(buffer_.view(), handler);
  buffer_.consume(consumed);
  worker_.flushDecodeStats(transport_, out_, frames_);
}

template <class Protocol>
void StreamConnection<Protocol>::endOfStream() {
  eof_ = true;
  FrameHandler handler{*this, worker_.shared().clock.now()};
  framer_.finish(buffer_.view(), handler);
  buffer_.clear();
  worker_.flushDecodeStats(transport_, out_, frames_);
  if (!handOn()) {
    pauseForBackpressure();  // resume() closes once the records are taken
    return;
  }
  close();
}

template <class Protocol>
bool StreamConnection<Protocol>::handOn() {
  ingest::RecordSink& sink = worker_.shared().sink;
  for (record::RecordBatch* batch : {&out_.traced, &out_.untraced}) {
    if (!batch->empty() && sink.tryPush(*batch) != ingest::PushResult::kAccepted) {
      return false;
    }
  }
  return true;
}

template <class Protocol>
void StreamConnection<Protocol>::pauseForBackpressure() {
  if (!blocked_) {
    blocked_ = true;
    retry_delay_ = std::chrono::milliseconds(1);
    worker_.shared().metrics.backpressurePauses(transport_).add();
  } else {
    retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryDelay);
  }
  retry_timer_.expires_after(retry_delay_);
  retry_timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
    if (ec || self->closed_) {
      return;
    }
    if (!self->handOn()) {
      self->pauseForBackpressure();
      return;
    }
    self->blocked_ = false;
    self->resume();
  });
}

template <class Protocol>
void StreamConnection<Protocol>::resume() {
  if (eof_) {
    close();
  } else {
    readLoop();
  }
}

template <class Protocol>
void StreamConnection<Protocol>::armIdleTimer(std::chrono::steady_clock::duration after) {
  idle_timer_.expires_after(after);
  idle_timer_.async_wait([self = this->shared_from_this()](const error_code& ec) {
    if (!ec && !self->closed_ && !self->eof_) {
      self->onIdleTimer();
    }
  });
}

template <class Protocol>
void StreamConnection<Protocol>::onIdleTimer() {
  const auto now = std::chrono::steady_clock::now();
  const auto idle = now - last_read_;
  if (stopping_) {
    // Waiting for the pipeline is not the sender's quiet; past the deadline nothing more is read.
    if (now < read_deadline_ && (blocked_ || idle < kDrainQuiet)) {
      armIdleTimer(blocked_ ? std::chrono::steady_clock::duration(kDrainQuiet)
                            : kDrainQuiet - idle);
      return;
    }
  } else {
    const auto timeout = worker_.settings().ingest.idle_timeout;
    if (blocked_ || idle < timeout) {
      armIdleTimer(blocked_ ? std::chrono::steady_clock::duration(timeout) : timeout - idle);
      return;
    }
    worker_.shared().metrics.connectionsIdleClosed().add();
  }
  // (Past the read deadline while holding records, endOfStream keeps trying to hand them on
  // and closes once they are taken.)
  error_code ec;
  socket_.cancel(ec);
  endOfStream();
}

template <class Protocol>
void StreamConnection<Protocol>::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  error_code ec;
  socket_.close(ec);
  idle_timer_.cancel();
  retry_timer_.cancel();
}

template class StreamConnection<asio::ip::tcp>;
template class StreamConnection<asio::local::stream_protocol>;

}  // namespace stitch::daemon
