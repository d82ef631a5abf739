#include "daemon/output/dead_letter_writer.h"

#include <ctime>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "core/common/json_writer.h"
#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

std::string nowIso8601() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds);
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof(text) - n, ".%03lldZ", static_cast<long long>(millis.count()));
  return text;
}

}  // namespace

DeadLetterWriter::DeadLetterWriter(std::string path,
                                   std::uint64_t max_bytes,
                                   IngestMetrics& metrics,
                                   LogRateLimiter& warnings)
    : metrics_(metrics),
      warnings_(warnings),
      written_(metrics.registry().counter("stitch_dead_letter_lines_total",
                                          "Lines written to the dead-letter file")),
      write_errors_(metrics.registry().counter("stitch_dead_letter_write_errors_total",
                                               "Failed writes to the dead-letter file (retried)")),
      max_bytes_(max_bytes),
      path_(std::move(path)),
      done_future_(done_.get_future()) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (thread_.joinable()) {
    abandon_ = true;
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
}

void DeadLetterWriter::open() {
  const std::string error = sink_.open(path_);
  if (!error.empty()) {
    throw std::runtime_error("dead-letter file " + error);
  }
}

void DeadLetterWriter::start() {
  thread_ = std::thread([this] {
    nameThisThread("stitch-deadletr");
    run();
  });
}

void DeadLetterWriter::push(std::vector<decode::DeadLetter>&& letters, Transport transport) {
  if (letters.empty()) {
    return;
  }
  const std::string time = nowIso8601();
  std::string lines;
  for (const auto& letter : letters) {
    json::Writer(lines)
        .beginObject()
        .field("time", time)
        .field("transport", transportName(transport))
        .field("reason", letter.reason)
        .field("line", letter.line)
        .endObject();
    lines += '\n';
  }
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    if (closing_ || pending_.size() + lines.size() > max_bytes_) {
      dropped = letters.size();
    } else {
      pending_ += lines;
      pending_lines_ += letters.size();
    }
  }
  if (dropped != 0) {
    metrics_.addDropped(DropReason::kDeadLetterFull, dropped);
    if (auto suppressed = warnings_.admit("dead_letter_full")) {
      spdlog::warn("dead-letter file: queue full, {} line(s) dropped", dropped + *suppressed);
    }
    return;
  }
  wake_.notify_one();
}

void DeadLetterWriter::reopen(const std::string& path) {
  {
    std::lock_guard lock(mutex_);
    reopen_path_ = path;
    reopen_ = true;
  }
  wake_.notify_one();
}

void DeadLetterWriter::run() {
  std::string batch;
  for (;;) {
    std::uint64_t lines = 0;
    bool reopen = false;
    std::string reopen_path;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !pending_.empty() || reopen_ || closing_; });
      batch.swap(pending_);
      lines = pending_lines_;
      pending_lines_ = 0;
      reopen = reopen_;
      reopen_ = false;
      reopen_path.swap(reopen_path_);
      if (batch.empty() && !reopen && closing_) {
        break;
      }
    }
    if (!batch.empty()) {
      if (!sink_.writeAll(batch, abandon_, write_errors_, warnings_)) {
        metrics_.addDropped(DropReason::kDeadLetterError, lines);
        break;
      }
      written_.add(lines);
      batch.clear();
    }
    if (reopen) {
      const std::string error = sink_.open(reopen_path);
      if (!error.empty()) {
        spdlog::error("dead-letter file: cannot open {}; still writing to {}", error, sink_.path());
      }
    }
  }
  done_.set_value();
}

bool DeadLetterWriter::finish(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  if (!thread_.joinable()) {
    return true;
  }
  if (done_future_.wait_until(deadline) != std::future_status::ready) {
    abandon_ = true;
    return false;
  }
  thread_.join();
  return true;
}

}  // namespace stitch::daemon
