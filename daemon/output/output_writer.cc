#include "daemon/output/output_writer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kIdleWait = 200ms;
constexpr auto kFirstRetryDelay = 50ms;
constexpr auto kMaxRetryDelay = 2s;

}  // namespace

OutputWriter::OutputWriter(const ingest::OutputConfig& config,
                           ingest::RecordQueue& queue,
                           metrics::Registry& registry,
                           LogRateLimiter& warnings)
    : config_(config),
      queue_(queue),
      warnings_(warnings),
      records_written_(registry.counter("stitch_output_records_total",
                                        "Records written to the output (stdout or file)")),
      bytes_written_(registry.counter("stitch_output_bytes_total", "Bytes written to the output")),
      write_errors_(registry.counter("stitch_output_write_errors_total",
                                     "Failed writes to the output (retried; nothing dropped)")),
      reopens_(registry.counter("stitch_output_reopens_total",
                                "Times the output file was reopened (SIGHUP)")),
      done_future_(done_.get_future()) {
  buffer_.reserve(config_.write_buffer + 64 * 1024);
}

OutputWriter::~OutputWriter() {
  if (thread_.joinable()) {
    abandon_ = true;
    queue_.close();
    thread_.join();
  }
  closeDestination();
}

int OutputWriter::openDestination(const ingest::OutputConfig& config, std::string& error) const {
  if (config.type == ingest::OutputType::kStdout) {
    return STDOUT_FILENO;
  }
  const int fd = ::open(config.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = std::strerror(errno);
  }
  return fd;
}

void OutputWriter::closeDestination() noexcept {
  if (fd_ > STDERR_FILENO) {
    ::close(fd_);
  }
  fd_ = -1;
}

void OutputWriter::open() {
  std::string error;
  fd_ = openDestination(config_, error);
  if (fd_ < 0) {
    throw std::runtime_error(fmt::format("output {}: {}", config_.path, error));
  }
}

void OutputWriter::start() {
  thread_ = std::thread([this] { run(); });
}

void OutputWriter::reopen(const ingest::OutputConfig& config) {
  {
    std::lock_guard lock(reopen_mutex_);
    reopen_config_ = config;
  }
  reopen_requested_.store(true);
}

void OutputWriter::applyReopen() {
  ingest::OutputConfig next;
  {
    std::lock_guard lock(reopen_mutex_);
    next = *reopen_config_;
    reopen_config_.reset();
  }
  reopen_requested_.store(false);
  flush();  // what was taken for the old destination goes there
  std::string error;
  const int fd = openDestination(next, error);
  if (fd < 0) {
    spdlog::error("output: cannot open {} ({}); still writing to the previous destination",
                  next.path, error);
    return;
  }
  closeDestination();
  fd_ = fd;
  next.write_buffer = next.write_buffer == 0 ? config_.write_buffer : next.write_buffer;
  config_ = next;
  reopens_.add();
  spdlog::info("output: writing to {}",
               config_.type == ingest::OutputType::kStdout ? "stdout" : config_.path);
}

void OutputWriter::run() {
  record::RecordBatch batch;
  for (;;) {
    if (reopen_requested_.load(std::memory_order_relaxed)) {
      applyReopen();
    }
    // With lines waiting in the buffer, do not wait: an empty queue means "write now".
    if (!queue_.pop(batch, buffer_.empty() ? std::chrono::nanoseconds(kIdleWait) : 0ns)) {
      if (!buffer_.empty()) {
        flush();
        continue;
      }
      if (queue_.closed()) {
        break;
      }
      continue;
    }
    for (const auto& r : batch) {
      const std::string_view line = r->raw();
      buffer_.append(line.data(), line.size());
      buffer_.push_back('\n');
      ++buffered_records_;
      if (buffer_.size() >= config_.write_buffer) {
        flush();
      }
    }
    buffered_records_shared_.store(buffered_records_, std::memory_order_relaxed);
    buffered_bytes_.store(buffer_.size(), std::memory_order_relaxed);
    batch.clear();
  }
  flush();
  done_.set_value();
}

void OutputWriter::flush() {
  if (buffer_.empty()) {
    return;
  }
  if (!writeAll(buffer_.data(), buffer_.size())) {
    return;  // finish() gave up while writes were failing: unwritten() counts these as lost
  }
  records_written_.add(buffered_records_);
  bytes_written_.add(buffer_.size());
  buffered_records_ = 0;
  buffer_.clear();
  buffered_records_shared_.store(0, std::memory_order_relaxed);
  buffered_bytes_.store(0, std::memory_order_relaxed);
}

bool OutputWriter::writeAll(const char* data, std::size_t size) {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetryDelay);
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
      delay = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetryDelay);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stdout (set by whoever started us): wait until it takes more.
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    write_errors_.add();
    if (abandon_.load(std::memory_order_relaxed)) {
      return false;
    }
    if (auto suppressed = warnings_.admit("output_write_error")) {
      spdlog::warn("output: write failed: {}; retrying in {} ms, nothing is dropped{}",
                   n < 0 ? std::strerror(errno) : "wrote nothing", delay.count(),
                   *suppressed ? fmt::format(" ({} more failures)", *suppressed) : "");
    }
    std::this_thread::sleep_for(delay);
    delay =
        std::min(delay * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxRetryDelay));
  }
  return true;
}

bool OutputWriter::finish(std::chrono::steady_clock::time_point deadline) {
  queue_.close();
  if (!thread_.joinable()) {
    return queue_.records() == 0;
  }
  if (done_future_.wait_until(deadline) != std::future_status::ready) {
    abandon_ = true;
    return false;
  }
  thread_.join();
  return true;
}

std::uint64_t OutputWriter::unwritten() const noexcept {
  return queue_.records() + buffered_records_shared_.load(std::memory_order_relaxed);
}

}  // namespace stitch::daemon
