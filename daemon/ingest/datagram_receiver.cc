#include "daemon/ingest/datagram_receiver.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <unistd.h>

#include "daemon/ingest/read_buffer.h"

namespace stitch::daemon {
namespace {

constexpr int kCallsPerTurn = 16;
constexpr std::chrono::milliseconds kMaxRetryDelay{16};
constexpr std::chrono::seconds kDropsPollInterval{1};
// After a turn that found datagrams, the next read waits this long instead of waking for each
// datagram: at 100k datagrams/s a wakeup then reads ~100 of them with a few system calls (and
// hands them on as one batch) instead of one. The receive buffer holds far more than this
// much traffic; an idle socket still wakes for its first datagram at once.
constexpr std::chrono::microseconds kCoalesce{1000};

}  // namespace

DatagramReceiver::DatagramReceiver(IngestWorker& worker,
                                   int fd,
                                   Transport transport,
                                   std::uint64_t max_datagram,
                                   std::uint64_t receive_buffer_bytes)
    : worker_(worker),
      fd_(fd),
      transport_(transport),
      slot_size_(static_cast<std::size_t>(max_datagram) + 1 + kDecodePadding),
      slots_(slot_size_ * kDatagramsPerCall),
      retry_timer_(worker.io()),
      coalesce_timer_(worker.io()),
      drops_timer_(worker.io()) {
  // After a stop, read at most what a full receive buffer can hold (a datagram costs the
  // buffer at least a few hundred bytes of overhead), so a sender that keeps sending cannot
  // hold the stop up.
  drain_budget_ = receive_buffer_bytes / 256 + kDatagramsPerCall;
  worker_.registerChannel(this);
}

DatagramReceiver::~DatagramReceiver() {
  worker_.unregisterChannel(this);
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void DatagramReceiver::start() {
  const int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
  if (transport_ == Transport::kUdp) {
    armDropsTimer();
  }
  receiveLoop();
}

void DatagramReceiver::beginStop(std::chrono::steady_clock::time_point) {
  // What is queued in the socket has been received; read it (bounded), then close. Nothing
  // more is waited for: datagrams have no end of stream.
  if (stopping_ || closed_) {
    return;
  }
  stopping_ = true;
  drops_timer_.cancel();
  if (waiting_ && waiter_) {
    error_code ec;
    waiter_->cancel(ec);
  }
}

void DatagramReceiver::waitReadable() {
  const int dup_fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) {
    // Out of descriptors: look again shortly instead of waiting for readability.
    worker_.warn("datagram_dup_error", "{} socket: cannot wait for data: {}",
                 transportName(transport_), std::strerror(errno));
    coalesce_timer_.expires_after(std::chrono::milliseconds(10));
    coalesce_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->closed_) {
        self->receiveLoop();
      }
    });
    return;
  }
  error_code ec;
  waiter_.emplace(worker_.io());
  waiter_->assign(dup_fd, ec);
  if (ec) {
    ::close(dup_fd);
    waiter_.reset();
    close();
    return;
  }
  waiting_ = true;
  waiter_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const error_code& ec) {
                        self->waiting_ = false;
                        self->waiter_.reset();  // out of the reactor again
                        if (self->closed_) {
                          return;
                        }
                        if (ec && !self->stopping_) {
                          self->worker_.warn("datagram_wait_error", "{} socket: wait failed: {}",
                                             transportName(self->transport_), ec.message());
                          self->close();
                          return;
                        }
                        self->receiveLoop();
                      });
}

void DatagramReceiver::receiveLoop() {
  const int fd = fd_;
  const std::size_t batch_records = worker_.settings().ingest.batch_records;
  // Wait for readability only once the socket was found empty: the reactor is edge-triggered,
  // so a wait queued while datagrams remain would not complete until another one arrives.
  bool drained = false;
  std::uint64_t datagrams = 0;
  for (int call = 0; call < kCallsPerTurn; ++call) {
    unsigned want = kDatagramsPerCall;
    if (stopping_) {
      if (drain_budget_ == 0) {
        drained = true;
        break;
      }
      want = static_cast<unsigned>(std::min<std::uint64_t>(want, drain_budget_));
    }
    for (unsigned i = 0; i < want; ++i) {
      // recvmmsg rewrites the lengths and flags: set them up before every call.
      iovecs_[i] = iovec{slots_.data() + i * slot_size_, slot_size_ - kDecodePadding};
      msghdr& h = messages_[i].msg_hdr;
      h = msghdr{};
      h.msg_iov = &iovecs_[i];
      h.msg_iovlen = 1;
      h.msg_control = control_[i].data();
      h.msg_controllen = kControlSize;
      messages_[i].msg_len = 0;
    }
    const int n = ::recvmmsg(fd, messages_.data(), want, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        worker_.shared().metrics.receiveErrors(transport_).add();
        worker_.warn("datagram_receive_error", "{} socket: receive failed: {}",
                     transportName(transport_), std::strerror(errno));
      }
      drained = true;
      break;
    }
    datagrams += static_cast<std::uint64_t>(n);
    if (stopping_) {
      drain_budget_ -= std::min<std::uint64_t>(drain_budget_, static_cast<std::uint64_t>(n));
    }
    const TimestampNs now = worker_.shared().clock.now();
    std::uint64_t bytes = 0;
    for (int i = 0; i < n; ++i) {
      msghdr& h = messages_[i].msg_hdr;
      const std::size_t length = messages_[i].msg_len;
      bytes += length;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          std::uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
          noteKernelDrops(drops);
        }
      }
      if ((h.msg_flags & MSG_TRUNC) != 0 || length > slot_size_ - kDecodePadding - 1) {
        ++frames_.oversize;  // longer than max_datagram: the kernel cut it
        continue;
      }
      worker_.decoder().decodeLines({slots_.data() + i * slot_size_, length}, now, out_);
    }
    worker_.shared().metrics.addBytes(transport_, bytes);
    if (static_cast<unsigned>(n) < want) {
      drained = true;  // recvmmsg with MSG_DONTWAIT stops early only on an empty socket
      break;
    }
    if (out_.traced.size() + out_.untraced.size() >= batch_records) {
      flushStats();
      if (!handOn()) {
        pauseForBackpressure();
        return;
      }
    }
  }
  flushStats();
  if (!handOn()) {
    pauseForBackpressure();
    return;
  }
  if (!drained) {
    asio::post(worker_.io(), [self = shared_from_this()] {
      if (!self->closed_) {
        self->receiveLoop();
      }
    });
  } else if (stopping_) {
    close();
  } else if (datagrams != 0) {
    coalesce_timer_.expires_after(kCoalesce);
    coalesce_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->closed_) {
        self->receiveLoop();
      }
    });
  } else {
    waitReadable();
  }
}

void DatagramReceiver::flushStats() {
  worker_.flushDecodeStats(transport_, out_, frames_);
}

bool DatagramReceiver::handOn() {
  ingest::RecordSink& sink = worker_.shared().sink;
  for (record::RecordBatch* batch : {&out_.traced, &out_.untraced}) {
    if (!batch->empty() && sink.tryPush(*batch) != ingest::PushResult::kAccepted) {
      return false;
    }
  }
  return true;
}

void DatagramReceiver::pauseForBackpressure() {
  if (!blocked_) {
    blocked_ = true;
    retry_delay_ = std::chrono::milliseconds(1);
    worker_.shared().metrics.backpressurePauses(transport_).add();
  } else {
    retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryDelay);
  }
  retry_timer_.expires_after(retry_delay_);
  retry_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_) {
      return;
    }
    if (!self->handOn()) {
      self->pauseForBackpressure();
      return;
    }
    self->blocked_ = false;
    self->receiveLoop();
  });
}

void DatagramReceiver::noteKernelDrops(std::uint32_t total_drops) noexcept {
  // The counter is the socket's cumulative sk_drops (32 bits, wrapping).
  const std::uint32_t delta = total_drops - kernel_drops_seen_;
  if (delta != 0 && delta < (1u << 31)) {
    kernel_drops_seen_ = total_drops;
    if (transport_ == Transport::kUdp) {
      worker_.shared().metrics.udpKernelDrops().add(delta);
    }
  }
}

void DatagramReceiver::pollKernelDrops() noexcept {
  std::uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t length = sizeof(meminfo);
  if (::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, meminfo, &length) == 0 &&
      length > SK_MEMINFO_DROPS * sizeof(std::uint32_t)) {
    noteKernelDrops(meminfo[SK_MEMINFO_DROPS]);
  }
}

void DatagramReceiver::armDropsTimer() {
  drops_timer_.expires_after(kDropsPollInterval);
  drops_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_ || self->stopping_) {
      return;
    }
    self->pollKernelDrops();
    self->armDropsTimer();
  });
}

void DatagramReceiver::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  if (transport_ == Transport::kUdp) {
    pollKernelDrops();
  }
  waiter_.reset();
  ::close(fd_);
  fd_ = -1;
  retry_timer_.cancel();
  coalesce_timer_.cancel();
  drops_timer_.cancel();
}

}  // namespace stitch::daemon
