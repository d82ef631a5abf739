#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sys/socket.h>
#include <vector>

#include "core/decode/decode_output.h"
#include "daemon/asio.h"
#include "daemon/ingest/ingest_metrics.h"
#include "daemon/ingest/worker.h"

namespace stitch::daemon {

// One worker's UDP or Unix datagram socket. After a readiness wait it reads many datagrams per
// system call (recvmmsg) until the socket is empty, then reads again after a millisecond while
// datagrams keep coming (one wakeup per burst, not per datagram); each datagram holds one or more
// newline-delimited records, decoded here. The kernel's count of datagrams dropped for a full
// receive buffer arrives with each datagram (SO_RXQ_OVFL) and is polled once a second
// (SO_MEMINFO) so that drops after the last datagram are counted too.
// A datagram socket cannot make its senders wait: when the pipeline is full the receiver stops
// reading and the socket's receive buffer absorbs the burst; what overflows it is the kernel's
// drop count. On stop it reads what is queued (bounded), hands it on and closes.
// Threading: the owning worker's thread only.
class DatagramReceiver final : public Channel,
                               public std::enable_shared_from_this<DatagramReceiver> {
public:
  static constexpr unsigned kDatagramsPerCall = 32;

  // Takes ownership of `fd`, a bound datagram socket (UDP or Unix).
  DatagramReceiver(IngestWorker& worker,
                   int fd,
                   Transport transport,
                   std::uint64_t max_datagram,
                   std::uint64_t receive_buffer_bytes);
  ~DatagramReceiver() override;

  void start() override;
  void beginStop(std::chrono::steady_clock::time_point read_deadline) override;
  std::size_t heldRecords() const noexcept override {
    return out_.traced.size() + out_.untraced.size();
  }

private:
  void waitReadable();
  void receiveLoop();
  void flushStats();
  bool handOn();
  void pauseForBackpressure();
  void armDropsTimer();
  void noteKernelDrops(std::uint32_t total_drops) noexcept;
  void pollKernelDrops() noexcept;
  void close();

  IngestWorker& worker_;
  // The socket stays out of the reactor: asio registers descriptors edge-triggered for good,
  // and every datagram would then wake the worker, even while it deliberately reads only once
  // a millisecond. A duplicate descriptor is registered only while waiting for readability.
  int fd_;
  std::optional<asio::posix::stream_descriptor> waiter_;
  const Transport transport_;
  const std::size_t slot_size_;  // max datagram + 1 (to see truncation) + decode padding
  std::vector<char> slots_;
  std::array<mmsghdr, kDatagramsPerCall> messages_{};
  std::array<iovec, kDatagramsPerCall> iovecs_{};
  static constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(std::uint32_t));
  std::array<std::array<char, kControlSize>, kDatagramsPerCall> control_{};
  asio::steady_timer retry_timer_;
  asio::steady_timer coalesce_timer_;
  asio::steady_timer drops_timer_;
  decode::DecodeOutput out_;
  FrameStats frames_;
  std::chrono::milliseconds retry_delay_{1};
  std::uint32_t kernel_drops_seen_ = 0;
  std::uint64_t drain_budget_ = 0;  // datagrams still to read after a stop
  bool waiting_ = false;
  bool blocked_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace stitch::daemon
