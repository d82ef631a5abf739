#include "daemon/output/output_writer.h"

#include <stdexcept>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

using namespace std::chrono_literals;

constexpr auto kIdleWait = 200ms;
// While records keep coming, the writer looks at the queue at least this often and is woken
// earlier only once the queue holds RecordQueue::wakeRecords() records: one wakeup per ~2000
// records instead of one per batch.
constexpr auto kBusyWait = 2ms;

std::string destination(const ingest::OutputConfig& config) {
  return config.type == ingest::OutputType::kStdout ? std::string() : config.path;
}

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
}

void OutputWriter::open() {
  const std::string error = sink_.open(destination(config_));
  if (!error.empty()) {
    throw std::runtime_error("output " + error);
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
  const std::string error = sink_.open(destination(next));
  if (!error.empty()) {
    spdlog::error("output: cannot open {}; still writing to the previous destination", error);
    return;
  }
  config_ = next;
  reopens_.add();
  spdlog::info("output: writing to {}", sink_.path().empty() ? "stdout" : sink_.path());
}

void OutputWriter::run() {
  record::RecordBatch batch;
  bool busy = false;  // records came during the last wait: expect more
  for (;;) {
    if (reopen_requested_.load(std::memory_order_relaxed)) {
      applyReopen();
    }
    // With lines waiting in the buffer, do not wait: an empty queue means "write now".
    const std::chrono::nanoseconds wait = !buffer_.empty() ? 0ns
                                          : busy           ? std::chrono::nanoseconds(kBusyWait)
                                                           : std::chrono::nanoseconds(kIdleWait);
    const auto wake =
        busy ? ingest::RecordQueue::Wake::kOnThreshold : ingest::RecordQueue::Wake::kOnAnyPush;
    if (!queue_.pop(batch, wait, wake)) {
      if (!buffer_.empty()) {
        flush();
        continue;
      }
      if (queue_.closed()) {
        break;
      }
      busy = false;  // a whole busy wait without records: idle, wake on the next one
      continue;
    }
    busy = true;
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
  if (!sink_.writeAll(buffer_, abandon_, write_errors_, warnings_)) {
    return;  // finish() gave up while writes were failing: unwritten() counts these as lost
  }
  records_written_.add(buffered_records_);
  bytes_written_.add(buffer_.size());
  buffered_records_ = 0;
  buffer_.clear();
  buffered_records_shared_.store(0, std::memory_order_relaxed);
  buffered_bytes_.store(0, std::memory_order_relaxed);
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
